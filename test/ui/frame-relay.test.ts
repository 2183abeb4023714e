import {createConnection} from 'node:net'

import {afterEach, describe, expect, it} from 'vitest'

import {createUiAudioSink} from '../../src/plugins/audio/ui-sink.js'
import {uiSocketPath} from '../../src/plugins/ui-socket.js'
import {UiSink} from '../../src/plugins/video/ui-sink.js'
import {RawCodec} from '../../src/plugins/video/raw-codec.js'
import {type FrameRelay, type RelayedFrame, startFrameRelay} from '../../src/ui/frame-relay.js'
import {realClock} from '../../src/foundation/clock.js'
import {recordingLogger} from '../support/logger.js'

const jpeg = (seq: number) => ({seq, captureUs: seq * 33_000, encoded: {format: 'mjpeg' as const, payload: Buffer.from(`jpeg ${seq}`)}})
/** A stand-in for the JPEG codec: its "JPEG" of a picture is the raw codec's bytes, which the test can read back. */
const codec = async () => new RawCodec()
const relays: FrameRelay[] = []
afterEach(async () => {
  for (const relay of relays.splice(0)) await relay.close()
})

async function relay(): Promise<{relay: FrameRelay; got: RelayedFrame[]}> {
  const got: RelayedFrame[] = []
  const started = await startFrameRelay({logger: recordingLogger(), onFrame: (frame) => got.push(frame)})
  relays.push(started)
  return {relay: started, got}
}

describe('the call\'s media from its components\' ui sinks to ivc ui (real Unix sockets)', () => {
  it('hands each MJPEG frame of the peer\'s video over whole and in order, stamped with its hand-over', async () => {
    const {relay: running, got} = await relay()
    const sink = new UiSink(uiSocketPath(running.directory, 'video'), codec)
    const before = realClock.monotonicUs()
    // Until its connection is up a frame is dropped, never queued.
    await expect.poll(() => sink.render(jpeg(1))).toBe('rendered')
    for (let seq = 2; seq <= 20; seq++) expect(await sink.render(jpeg(seq))).toBe('rendered')
    await expect.poll(() => got.length).toBe(20)
    expect(got.map((frame) => frame.seq)).toEqual(Array.from({length: 20}, (_, index) => index + 1))
    expect(got[4]).toMatchObject({stream: 'video', seq: 5, payload: Buffer.from('jpeg 5')})
    // The time field is the hand-over on this host's clock, not the peer's capture stamp.
    for (const frame of got) expect(frame.handedUs).toBeGreaterThanOrEqual(before)
    expect(got.at(-1)!.handedUs).toBeLessThanOrEqual(realClock.monotonicUs())
    expect(sink.report).toMatchObject({forwarded: 20})
    await sink.close()
  })

  it('encodes a picture (the self-view\'s) before handing it over, on the self-view\'s socket', async () => {
    const {relay: running, got} = await relay()
    const sink = new UiSink(uiSocketPath(running.directory, 'self-view'), codec)
    const picture = {width: 2, height: 2, format: 'bgr' as const, data: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])}
    await expect.poll(() => sink.render({seq: 3, captureUs: 0, picture})).toBe('rendered')
    await expect.poll(() => got.length).toBeGreaterThan(0)
    expect(got[0]).toMatchObject({stream: 'self-view', seq: 3})
    expect(await new RawCodec().decode(got[0].payload)).toEqual(picture)
    await sink.close()
  })

  it('hands the peer\'s audio over frame by frame on the audio socket', async () => {
    const {relay: running, got} = await relay()
    const sink = createUiAudioSink(uiSocketPath(running.directory, 'audio'))
    const pcm = (n: number) => Buffer.alloc(1920, n)
    // Frames before the connection is up are dropped and counted.
    await expect
      .poll(() => {
        sink.write(pcm(got.length))
        return got.length
      })
      .toBeGreaterThan(0)
    for (let n = 0; n < 5; n++) sink.write(pcm(9))
    await expect.poll(() => got.filter((frame) => frame.payload[0] === 9).length).toBe(5)
    expect(new Set(got.map((frame) => frame.stream))).toEqual(new Set(['audio']))
    const seqs = got.map((frame) => frame.seq)
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    const report = await sink.close()
    expect(report).toMatchObject({sink: 'ui', forwarded: got.length})
  })

  it('without ivc ui, drops every frame and the call goes on', async () => {
    const sink = new UiSink('/nonexistent/ivc-ui.sock', codec)
    expect(await sink.render(jpeg(1))).toBe('dropped')
    expect(sink.report.dropped).toBe(1)
    await sink.close()
    const audio = createUiAudioSink('/nonexistent/ivc-ui.sock')
    audio.write(Buffer.alloc(1920))
    expect(await audio.close()).toEqual({sink: 'ui', forwarded: 0, dropped: 1})
  })

  it('closes a connection that sends what is not a media message, and closes with components still connected', async () => {
    const logger = recordingLogger()
    const running = await startFrameRelay({logger, onFrame: () => expect.unreachable()})
    const socket = createConnection(uiSocketPath(running.directory, 'video'))
    socket.write(Buffer.alloc(24, 0xff))
    await new Promise((resolve) => socket.on('close', resolve))
    const stays = createConnection(uiSocketPath(running.directory, 'audio'))
    await new Promise((resolve) => stays.on('connect', resolve))
    const closed = new Promise((resolve) => stays.on('close', resolve))
    await running.close()
    await closed
  })
})
