import {createConnection} from 'node:net'

import {afterEach, describe, expect, it} from 'vitest'

import {UiSink} from '../../src/plugins/video/ui-sink.js'
import {type FrameRelay, startFrameRelay} from '../../src/ui/frame-relay.js'
import {recordingLogger} from '../support/logger.js'

const jpeg = (seq: number) => ({seq, captureUs: seq * 33_000, encoded: {format: 'mjpeg' as const, payload: Buffer.from(`jpeg ${seq}`)}})
const relays: FrameRelay[] = []
afterEach(async () => {
  for (const relay of relays.splice(0)) await relay.close()
})

describe('the peer\'s video from the receiver\'s ui sink to ivc ui (a real Unix socket)', () => {
  it('hands each MJPEG frame over whole and in order, and drops what it cannot show', async () => {
    const got: Array<[number, string]> = []
    const relay = await startFrameRelay({logger: recordingLogger(), onFrame: (payload, seq) => got.push([seq, payload.toString()])})
    relays.push(relay)
    const sink = new UiSink(relay.path)
    // Until its connection is up a frame is dropped, never queued.
    await expect.poll(() => sink.render(jpeg(1))).toBe('rendered')
    for (let seq = 2; seq <= 20; seq++) expect(await sink.render(jpeg(seq))).toBe('rendered')
    await expect.poll(() => got.length).toBe(20)
    expect(got.map(([seq]) => seq)).toEqual(Array.from({length: 20}, (_, index) => index + 1))
    expect(got[4]).toEqual([5, 'jpeg 5'])
    // A decoded picture (a raw call) is not for the page.
    expect(await sink.render({seq: 21, captureUs: 0, picture: {width: 2, height: 2, format: 'bgr', data: Buffer.alloc(12)}} as never)).toBe('dropped')
    expect(sink.report).toMatchObject({forwarded: 20})
    await sink.close()
  })

  it('without ivc ui, drops every frame and the call goes on', async () => {
    const sink = new UiSink('/nonexistent/ivc-ui.sock')
    expect(await sink.render(jpeg(1))).toBe('dropped')
    expect(sink.report.dropped).toBe(1)
    await sink.close()
  })

  it('closes a connection that sends what is not a media message', async () => {
    const logger = recordingLogger()
    const relay = await startFrameRelay({logger, onFrame: () => expect.unreachable()})
    relays.push(relay)
    const socket = createConnection(relay.path)
    socket.write(Buffer.alloc(24, 0xff))
    await new Promise((resolve) => socket.on('close', resolve))
  })
})
