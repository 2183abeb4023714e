import {EventEmitter} from 'node:events'
import {mkdtempSync, rmSync} from 'node:fs'
import {createServer, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {AdaptController, type AdaptStrategy} from '../../../src/adapt/index.js'
import type {VideoFrame, VideoSource} from '../../../src/media/types.js'
import type {InterFrameVideoCodec} from '../../../src/media/video/inter-frame.js'
import {RecordTap, recordSocketPath} from '../../../src/media/record-tap.js'
import {MIN_KEYFRAME_GAP_US} from '../../../src/media/video/keyframe-requests.js'
import {VideoSenderPipeline} from '../../../src/media/video/sender-pipeline.js'
import type {MediaSender} from '../../../src/transport/index.js'
import {FakeClock} from '../../support/fake-clock.js'
import {recordingLogger} from '../../support/logger.js'

/** An inter-frame codec that records what the pipeline asks of it: its first frame and forced ones are keyframes. */
class RecordingCodec implements InterFrameVideoCodec {
  readonly name = 'recording'
  readonly interFrame = true
  lastWasKey = false
  readonly bitrates: number[] = []
  readonly sizes: string[] = []
  #force = true

  forceKeyframe(): void {
    this.#force = true
  }

  setBitrate(kbps: number): void {
    this.bitrates.push(kbps)
  }

  async encode(frame: VideoFrame): Promise<Buffer> {
    this.lastWasKey = this.#force
    this.#force = false
    this.sizes.push(`${frame.width}x${frame.height}`)
    return Buffer.alloc(this.lastWasKey ? 3000 : 300)
  }

  async decode(): Promise<VideoFrame> {
    throw new Error('not used')
  }
}

/** The transport as the sender pipeline sees it: frames recorded with their key flag, nothing in flight. */
class RecordingSender extends EventEmitter {
  readonly frames: Array<{key: boolean; bytes: number}> = []
  readonly stats = {sent: 0, bytes: 0, dropped: 0, queued: 0, busyEvents: 0, inFlightBytes: 0, deliveredBytes: 0, inFlightQueueUs: 0, openConnections: 4, rttUs: undefined, minRttUs: undefined}

  send(payload: Buffer, _captureUs: number, options: {key?: boolean} = {}): number {
    this.frames.push({key: options.key ?? false, bytes: payload.length})
    this.stats.sent++
    this.stats.bytes += payload.length
    return this.frames.length - 1
  }
}

const source: VideoSource = {width: 640, height: 480, read: async () => ({width: 640, height: 480, format: 'gray', data: Buffer.alloc(640 * 480)}), close: async () => {}}

function pipeline(strategy: AdaptStrategy, startKbps?: number, clock = new FakeClock(), record?: RecordTap) {
  const codec = new RecordingCodec()
  const sender = new RecordingSender()
  const controller = new AdaptController({strategy, top: {width: 640, height: 480, fps: 30, quality: 80}, startKbps})
  const abort = new AbortController()
  const run = new VideoSenderPipeline({source, codec, sender: sender as unknown as MediaSender, fps: 30, logger: recordingLogger(), signal: abort.signal, controller, clock, record}).run()
  /** Let the pipeline take every frame due by now + ms, a frame interval at a time. */
  const advance = async (ms: number) => {
    for (let step = 0; step < ms; step += 10) {
      clock.advance(10)
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve))
    }
  }

  return {clock, codec, sender, controller, advance, stop: async () => (abort.abort(), run)}
}

describe('the video sender with an inter-frame codec', () => {
  it('makes a keyframe when a recording starts mid-stream (its record tap connects), with no request from the receiver', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ivc-sender-tap-'))
    const clock = new FakeClock()
    const {sender, advance, stop} = pipeline('gcc', undefined, clock, new RecordTap(recordSocketPath(dir, 'sent-video'), clock))
    const accepted: Socket[] = []
    const recorder = createServer((socket) => accepted.push(socket.resume()))
    try {
      await advance(1000)
      expect(sender.frames.map((frame) => frame.key).lastIndexOf(true)).toBe(0)
      const from = sender.frames.length
      const taken = new Promise((resolve) => recorder.once('connection', resolve))
      await new Promise<void>((resolve) => recorder.listen(recordSocketPath(dir, 'sent-video'), resolve))
      while (accepted.length === 0) await Promise.race([taken, advance(40)])
      await advance(MIN_KEYFRAME_GAP_US / 1000 + 100)
      expect(sender.frames.slice(from).some((frame) => frame.key)).toBe(true)
    } finally {
      await stop()
      for (const socket of accepted) socket.destroy()
      await new Promise((resolve) => recorder.close(resolve))
      rmSync(dir, {recursive: true, force: true})
    }
  })

  it('makes a keyframe on a request for a loss after the last keyframe, once the gap has passed, and marks keyframes on the wire', async () => {
    const {sender, advance, stop} = pipeline('gcc')
    await advance(100)
    expect(sender.frames[0].key).toBe(true)
    expect(sender.frames.slice(1).some((frame) => frame.key)).toBe(false)
    // 100 ms after the stream's first keyframe the receiver lost frame 1 and asks, naming frame 2: a keyframe follows,
    // once MIN_KEYFRAME_GAP_US has passed since the first.
    sender.emit('keyframe-request', {requestNumber: 0, seq: 2})
    const keyframes = () => sender.frames.flatMap((frame, seq) => (frame.key ? [seq] : []))
    await advance(MIN_KEYFRAME_GAP_US / 1000 - 100 - 20)
    expect(keyframes()).toEqual([0])
    await advance(60)
    expect(keyframes()).toHaveLength(2)
    const [, second] = keyframes()
    // Its repeat, still naming frame 2 (sent before that keyframe arrived), and a duplicate change nothing.
    sender.emit('keyframe-request', {requestNumber: 1, seq: 2})
    sender.emit('keyframe-request', {requestNumber: 1, seq: second + 1})
    await advance(MIN_KEYFRAME_GAP_US / 1000 + 40)
    expect(keyframes()).toEqual([0, second])
    // A loss after that keyframe: one more.
    sender.emit('keyframe-request', {requestNumber: 2, seq: second + 1})
    await advance(40)
    expect(keyframes()).toHaveLength(3)
    await stop()
  })

  it('encodes every frame at the source size and sets the encoder to gcc\'s target bitrate, which follows a cut', async () => {
    const {codec, sender, controller, advance, stop} = pipeline('gcc')
    await advance(300)
    const start = codec.bitrates.at(-1)!
    expect(start).toBe(controller.state.targetKbps)
    // The receiver sees a queue of 200 ms (over half the 150 ms bound) at 60 kbit/s received: gcc cuts at once.
    for (let report = 1; report <= 5; report++) {
      sender.emit('feedback', {reportNumber: report, delayValid: true, intervalUs: 100_000, queuingDelayUs: 200_000, maxQueuingDelayUs: 200_000, receivedBitsPerSecond: 60_000, framesReceived: 3, lateFrames: 0, missingFrames: 0, bufferLevelUs: 0, highestSeq: 9 * report, latencyUs: 250_000})
      await advance(100)
    }

    // At the full 30 fps the encoder's bitrate is the target itself.
    const {targetKbps, fps} = controller.state
    expect(fps).toBe(30)
    expect(codec.bitrates.at(-1)).toBe(targetKbps)
    expect(targetKbps).toBeLessThan(start)
    expect(new Set(codec.sizes)).toEqual(new Set(['640x480']))
    await stop()
  })

  it('spreads the target over the frames a rung of a lower frame rate sends: 60 kbit/s at 10 of 30 fps gives the encoder 180', async () => {
    // gcc starts at 60 kbit/s: only the ladder's bottom rung (10 fps) fits what camera-like frames cost.
    const {codec, controller, advance, stop} = pipeline('gcc', 60)
    expect(controller.state).toMatchObject({targetKbps: 60, fps: 10})
    await advance(300)
    // libx264 gives each frame bitrate / fps whatever the frames' times: at a third of the frames, three times the rate.
    // (The frames sent then teach the cost model they are cheap, and the ladder climbs: only the first is at 10 fps.)
    expect(codec.bitrates[0]).toBe(180)
    await stop()
  })

  it('leaves the encoder\'s own bitrate without gcc (--adapt off)', async () => {
    const {codec, sender, advance, stop} = pipeline('off')
    await advance(200)
    expect(sender.frames.length).toBeGreaterThan(0)
    expect(codec.bitrates).toEqual([])
    await stop()
  })
})
