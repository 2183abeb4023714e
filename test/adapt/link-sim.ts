/**
 * A tiny, pure model of one video call over a bottleneck, for replaying link traces through the real reporter and
 * controller without sockets or sleeps. One FIFO stands for the TCP send buffers plus the bottleneck queue: video
 * frames and audio packets join it when sent and leave at the link's (possibly changing) rate, then cross a fixed
 * base delay. The sender's own queue signals come from that backlog, as they would from sockets, and each video frame
 * is echoed back a base delay after it arrives, as the receiver does. Which frames go out, and how, is decided by
 * the sender pipeline's own FrameDecision; only the encoder (a size model) and the link are simulated.
 */
import {AdaptController, type AdaptStrategy} from '../../src/adapt/controller.js'
import {FeedbackReporter} from '../../src/adapt/feedback-reporter.js'
import {FrameDecision} from '../../src/adapt/frame-decision.js'
import {qualityFactor, scaledSize} from '../../src/adapt/ladder.js'

export interface SimOptions {
  strategy: AdaptStrategy
  /** Link rate in bit/s at a time in µs (a trace). */
  capacity: (atUs: number) => number
  durationUs: number
  maxLatencyMs?: number
  /** The content's true complexity (the controller starts from another guess and must learn it). */
  complexity?: number
  width?: number
  height?: number
  fps?: number
  quality?: number
  baseDelayUs?: number
}

export interface SimFrame {
  captureUs: number
  arrivalUs: number
  latencyUs: number
  bytes: number
}

export interface SimResult {
  frames: SimFrame[]
  audio: Array<{captureUs: number; latencyUs: number}>
  states: Array<{atUs: number; targetKbps: number; scale: number; quality: number; fps: number; reason: string}>
  controller: AdaptController
}

interface Packet {
  kind: 'video' | 'audio'
  captureUs: number
  sendUs: number
  senderDelayUs: number
  bytes: number
  bitsLeft: number
  seq: number
}

const STEP_US = 1000
const AUDIO_PACKET_BYTES = 1920 + 24
const ENCODE_US = 5000

export function simulate(options: SimOptions): SimResult {
  const {width = 640, height = 480, fps = 30, quality = 80, complexity = 2, baseDelayUs = 2000} = options
  const controller = new AdaptController({strategy: options.strategy, top: {width, height, fps, quality}, maxLatencyMs: options.maxLatencyMs})
  const decision = new FrameDecision(controller, fps)
  const reporter = new FeedbackReporter({startUs: 0})
  reporter.onRtt(2 * baseDelayUs)
  const queue: Packet[] = []
  const inFlight: Array<{packet: Packet; arrivalUs: number}> = []
  const result: SimResult = {frames: [], audio: [], states: [], controller}
  let backlogBytes = 0
  let busyEvents = 0
  let seq = 0
  let noise = 12_345
  let nextCaptureUs = 0
  // What the transport knows from echoes: when each video frame not yet echoed was sent, and the bytes echoed so far.
  const unechoed: number[] = []
  let videoDelivered = 0
  const echoes: Array<{atUs: number; bytes: number}> = []

  for (let now = 0; now < options.durationUs; now += STEP_US) {
    // Capture at the top frame rate; the pipeline's decision says which frames go out, and at which encoding.
    if (now >= nextCaptureUs) {
      nextCaptureUs += 1e6 / fps
      const transport = {queuedFrames: backlogBytes > 512 * 1024 ? 1 : 0, busyEvents, inFlightQueueUs: unechoed.length > 0 ? now - unechoed[0] : 0, minRttUs: 2 * baseDelayUs, deliveredBytes: videoDelivered}
      const encoding = decision.next(transport, now)
      if (encoding) {
        const {width: w, height: h} = scaledSize(width, height, encoding.scale)
        noise = (noise * 1_103_515_245 + 12_345) % 2 ** 31
        const bytes = Math.round((complexity * (w * h) ** 0.9 * qualityFactor(encoding.quality) * (0.85 + (0.3 * noise) / 2 ** 31)) / 8)
        decision.sent(bytes, now, encoding)
        unechoed.push(now)
        queue.push({kind: 'video', captureUs: now - ENCODE_US, sendUs: now, senderDelayUs: ENCODE_US, bytes, bitsLeft: bytes * 8, seq: seq++})
        backlogBytes += bytes
        if (backlogBytes > 128 * 1024) busyEvents++
      }
    }

    if (now % 20_000 === 0) {
      queue.push({kind: 'audio', captureUs: now, sendUs: now, senderDelayUs: 0, bytes: AUDIO_PACKET_BYTES, bitsLeft: AUDIO_PACKET_BYTES * 8, seq: -1})
      backlogBytes += AUDIO_PACKET_BYTES
    }

    // Serve the FIFO for one step at the link's current rate.
    let budget = (options.capacity(now) * STEP_US) / 1e6
    while (queue.length > 0 && budget > 0) {
      const head = queue[0]
      const used = Math.min(budget, head.bitsLeft)
      head.bitsLeft -= used
      budget -= used
      if (head.bitsLeft > 0) break
      queue.shift()
      backlogBytes -= head.bytes
      inFlight.push({packet: head, arrivalUs: now + STEP_US + baseDelayUs})
    }

    while (inFlight.length > 0 && inFlight[0].arrivalUs <= now) {
      const {packet, arrivalUs} = inFlight.shift()!
      if (packet.kind === 'audio') {
        result.audio.push({captureUs: packet.captureUs, latencyUs: arrivalUs - packet.captureUs})
        continue
      }

      echoes.push({atUs: arrivalUs + baseDelayUs, bytes: packet.bytes})
      reporter.onFrame({seq: packet.seq, captureUs: packet.captureUs, senderDelayUs: packet.senderDelayUs, receivedUs: arrivalUs, bytes: packet.bytes})
      result.frames.push({captureUs: packet.captureUs, arrivalUs, latencyUs: arrivalUs - packet.captureUs, bytes: packet.bytes})
    }

    while (echoes.length > 0 && echoes[0].atUs <= now) {
      const echo = echoes.shift()!
      unechoed.shift()
      videoDelivered += echo.bytes
    }

    const report = reporter.poll(now)
    if (report) {
      controller.onFeedback(report, now + baseDelayUs)
      const {targetKbps, scale, quality: q, fps: f, reason} = controller.state
      result.states.push({atUs: now, targetKbps, scale, quality: q, fps: f, reason})
    }
  }

  return result
}

/** The p-th percentile (0..100) of values, nearest rank; NaN for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

/** Latencies (ms) of the frames captured in [fromUs, toUs). */
export function latenciesMs(frames: Array<{captureUs: number; latencyUs: number}>, fromUs: number, toUs = Infinity): number[] {
  return frames.filter((frame) => frame.captureUs >= fromUs && frame.captureUs < toUs).map((frame) => frame.latencyUs / 1000)
}
