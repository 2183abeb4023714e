import {EventEmitter} from 'node:events'
import {mkdtempSync, rmSync} from 'node:fs'
import {createServer, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {RecordTap, recordSocketPath} from '../../../src/media/record-tap.js'
import type {SinkFrame, VideoFrame, VideoSink} from '../../../src/media/types.js'
import {VideoDecodeStage} from '../../../src/media/video/decode-stage.js'
import {VideoReceiverPipeline} from '../../../src/media/video/receiver-pipeline.js'
import type {KeyframeRequest} from '../../../src/protocol/media-feedback.js'
import type {MediaReceiver, ReceivedFrame} from '../../../src/transport/index.js'
import {FakeClock} from '../../support/fake-clock.js'
import {recordingLogger} from '../../support/logger.js'

/** The transport as the receiver pipeline sees it: the test hands it frames; it records keyframe requests. */
class FakeReceiver extends EventEmitter {
  readonly requests: KeyframeRequest[] = []
  /** Set: sending a keyframe request throws it, as a write on a lane that just failed could. */
  requestError: Error | undefined
  sendFeedback(): boolean {
    return true
  }

  sendKeyframeRequest(request: KeyframeRequest): boolean {
    if (this.requestError) throw this.requestError
    this.requests.push(request)
    return true
  }
}

/** A sink whose first render waits until the test lets it go (a player still starting), the rest at once. */
class SlowStartSink implements VideoSink {
  readonly name = 'slow-start'
  readonly failed = new Promise<Error>(() => {})
  readonly shown: number[] = []
  release!: () => void
  readonly #started = new Promise<void>((resolve) => (this.release = resolve))

  async render(frame: SinkFrame): Promise<'rendered'> {
    await this.#started
    this.shown.push(frame.seq)
    return 'rendered'
  }

  get report() {
    return {dropped: 0}
  }

  async close(): Promise<void> {}
}

const picture: VideoFrame = {width: 2, height: 2, format: 'gray', data: Buffer.alloc(4)}

/** `undecodable`: frames the codec fails on, as it would on a corrupt packet. */
function setup(undecodable: number[] = [], clock = new FakeClock(1000), record?: RecordTap) {
  const receiver = new FakeReceiver()
  const sink = new SlowStartSink()
  const decoded: number[] = []
  // Each payload is its frame's seq: the codec records the order it decodes in.
  const decode = async (payload: Buffer) => {
    const seq = payload.readUInt32BE(0)
    if (undecodable.includes(seq)) throw new Error(`frame ${seq} is corrupt`)
    decoded.push(seq)
    return picture
  }

  const codec = {name: 'h264', decode, encode: async () => Buffer.alloc(0)}
  const decoder = new VideoDecodeStage({format: 'h264', sink, codecs: {create: async () => codec}})
  const pipeline = new VideoReceiverPipeline({receiver: receiver as unknown as MediaReceiver, decoder, sink, logger: recordingLogger(), clock, record})
  const frame = (seq: number, key = false): void => {
    const now = clock.monotonicUs()
    const payload = Buffer.alloc(4)
    payload.writeUInt32BE(seq)
    receiver.emit('frame', {seq, captureUs: now, senderDelayUs: 0, key, payload, receivedUs: now, laneIndex: 0} satisfies ReceivedFrame)
    clock.advance(33)
  }

  const settle = async () => {
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve))
  }

  return {clock, receiver, sink, decoded, pipeline, frame, settle}
}

describe('the video receiver with an inter-frame stream', () => {
  it('asks the sender for a keyframe when a recording starts mid-stream (its record tap connects), and goes on decoding', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ivc-receiver-tap-'))
    const clock = new FakeClock(1000)
    const path = recordSocketPath(dir, 'received-video')
    const {receiver, sink, decoded, frame, settle, pipeline} = setup([], clock, new RecordTap(path, clock))
    const accepted: Socket[] = []
    const recorder = createServer((socket) => accepted.push(socket.resume()))
    try {
      sink.release()
      await settle()
      let seq = 0
      for (; seq < 5; seq++) frame(seq, seq === 0)
      await settle()
      expect(receiver.requests).toEqual([])
      await new Promise<void>((resolve) => recorder.listen(path, resolve))
      // Frames go on (33 ms apart): the tap finds the socket at one within a quarter second, and connects.
      while (receiver.requests.length === 0) {
        frame(seq++)
        await settle()
      }

      expect(receiver.requests[0].seq).toBeLessThan(seq)
      expect(pipeline.keyframes).toEqual({requests: 1, skipped: 0})
      expect(decoded).toEqual(Array.from({length: seq}, (_, index) => index))
    } finally {
      for (const socket of accepted) socket.destroy()
      await new Promise((resolve) => recorder.close(resolve))
      rmSync(dir, {recursive: true, force: true})
    }
  })

  it('decodes, in order, the frames a busy sink cannot show, so the stream goes on without a keyframe', async () => {
    const {receiver, sink, decoded, frame, settle, pipeline} = setup()
    await settle()
    for (let seq = 0; seq < 8; seq++) frame(seq, seq === 0)
    await settle()
    sink.release()
    await settle()
    for (let seq = 8; seq < 12; seq++) {
      frame(seq)
      await settle()
    }

    expect(decoded).toEqual(Array.from({length: 12}, (_, seq) => seq))
    // Shown: the first two (the sink's backlog), then every frame once it keeps up; nothing asked for a keyframe.
    expect(sink.shown).toEqual([0, 1, 8, 9, 10, 11])
    expect(receiver.requests).toEqual([])
    expect(pipeline.keyframes).toEqual({requests: 0, skipped: 0})
  })

  it('skips the frames after a missing one, asks for a keyframe, and decodes again from it', async () => {
    const {receiver, sink, decoded, frame, settle, pipeline} = setup()
    sink.release()
    await settle()
    // Frame 3 never comes.
    for (const seq of [0, 1, 2, 4, 5]) {
      frame(seq, seq === 0)
      await settle()
    }

    expect(receiver.requests).toEqual([{requestNumber: 0, seq: 4}])
    for (const seq of [6, 7]) {
      frame(seq, seq === 6)
      await settle()
    }

    expect(decoded).toEqual([0, 1, 2, 6, 7])
    expect(sink.shown).toEqual([0, 1, 2, 6, 7])
    expect(pipeline.keyframes).toEqual({requests: 1, skipped: 2})
  })

  it('after the frames held back while the peer had video off, asks for a keyframe unless the next frame is one', async () => {
    for (const keyAfterGap of [false, true]) {
      const {receiver, sink, decoded, frame, settle, pipeline} = setup()
      sink.release()
      frame(0, true)
      await settle()
      // Frames 1-3 come while the peer has video off: held back, never decoded; frame 4 refers to them.
      pipeline.videoOff('video off')
      for (const seq of [1, 2, 3]) {
        frame(seq)
        await settle()
      }

      pipeline.videoOn()
      for (const seq of [4, 5]) {
        frame(seq, keyAfterGap && seq === 4)
        await settle()
      }

      if (keyAfterGap) {
        // A keyframe needs nothing before it (a VP8 encoder reopened for a new bitrate starts with one): no request.
        expect(receiver.requests).toEqual([])
        expect(decoded).toEqual([0, 4, 5])
      } else {
        expect(receiver.requests).toEqual([{requestNumber: 0, seq: 4}])
        frame(6, true)
        await settle()
        expect(decoded).toEqual([0, 6])
      }
    }
  })

  it('goes on decoding and showing after a keyframe request fails while the sink is busy', async () => {
    const {receiver, sink, decoded, frame, settle} = setup()
    receiver.requestError = new Error('write after end')
    await settle()
    // The sink is busy: 0 and 1 wait for it; 2 never comes, so 3 (decoded without being shown) asks for a keyframe,
    // and that request throws.
    for (const seq of [0, 1, 3]) frame(seq, seq === 0)
    await settle()
    sink.release()
    await settle()
    for (const seq of [4, 5]) {
      frame(seq, seq === 4)
      await settle()
    }

    expect(decoded).toEqual([0, 1, 4, 5])
    expect(sink.shown).toEqual([0, 1, 4, 5])
  })

  it('counts in dropped, once each, the frames a busy sink cannot show that are then skipped or fail to decode', async () => {
    const {sink, decoded, frame, settle, pipeline} = setup([2])
    await settle()
    // The sink is busy from the start: 0 and 1 wait for it; 2 fails to decode, so 3 is skipped; 4 is a keyframe,
    // decoded and not shown; 5 and 6 come once the sink keeps up.
    for (let seq = 0; seq < 5; seq++) frame(seq, seq === 0 || seq === 4)
    await settle()
    sink.release()
    await settle()
    for (const seq of [5, 6]) {
      frame(seq)
      await settle()
    }

    await pipeline.stop()
    expect(decoded).toEqual([0, 1, 4, 5, 6])
    expect(sink.shown).toEqual([0, 1, 5, 6])
    expect(pipeline.keyframes.skipped).toBe(1)
    // Not shown: 2 (undecodable), 3 (skipped), 4 (no room): each once.
    expect(pipeline.stats().dropped).toBe(3)
  })
})
