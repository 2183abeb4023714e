import {type Clock, realClock} from '../../foundation/clock.js'
import type {Logger} from '../../foundation/logger.js'
import {type MediaReceiver, type ReceivedFrame} from '../../transport/index.js'
import {DelayEstimator} from '../timing/delay-estimator.js'
import {ticks} from './clock.js'
import {FRAME_BYTES, FRAME_MS} from './format.js'
import {AudioJitterBuffer, type AudioJitterBufferOptions, type AudioJitterStats} from './jitter-buffer.js'
import {type AudioSummary, kbps, LatencyRecord, type LatencySummary, round} from './summary.js'
import type {AudioSink} from './types.js'

export interface AudioReceiverStats extends AudioJitterStats {
  bytes: number
  /** Frames whose payload was not one 20 ms frame (ignored). */
  malformed: number
  kbps: number
  latencyMs: LatencySummary
}

/**
 * The receiving audio pipeline: frames from the media transport go into the audio jitter buffer on arrival; a
 * drift-free 20 ms playout clock pulls one frame per tick and hands it to the sink. Latency is measured from the
 * capture time to the hand-over (the DelayEstimator maps the sender's clock onto ours; on one host they are the same).
 * It ends when the stream has ended and the buffer is drained, or when `signal` aborts.
 */
export class AudioReceiverPipeline {
  readonly jitter: AudioJitterBuffer
  readonly #delay = new DelayEstimator()
  readonly #latency = new LatencyRecord()
  #bytes = 0
  #malformed = 0
  #firstUs: number | undefined
  #lastUs: number | undefined
  #ended = false
  #windowBytes = 0
  #windowStartUs: number

  constructor(
    private readonly sink: AudioSink,
    private readonly logger: Logger,
    jitterOptions: AudioJitterBufferOptions = {},
    private readonly clock: Clock = realClock,
  ) {
    this.jitter = new AudioJitterBuffer(jitterOptions)
    this.#windowStartUs = clock.monotonicUs()
  }

  /** Feed it everything one MediaReceiver delivers. */
  attach(receiver: MediaReceiver): void {
    receiver.on('frame', (frame: ReceivedFrame) => this.onFrame(frame))
    receiver.on('rtt', (rttUs: number) => this.#delay.setRtt(rttUs))
    receiver.on('stream-end', ({reason}: {reason: string}) => {
      this.logger.info(`stream ended (${reason})`)
      this.#ended = true
    })
  }

  onFrame(frame: ReceivedFrame): void {
    if (frame.payload.length !== FRAME_BYTES) {
      this.#malformed++
      if (this.#malformed === 1) this.logger.warn(`frame ${frame.seq} carries ${frame.payload.length} bytes, not one 20 ms frame (${FRAME_BYTES}); ignored`)
      return
    }

    this.#firstUs ??= frame.receivedUs
    this.#lastUs = frame.receivedUs
    this.#bytes += frame.payload.length
    this.#windowBytes += frame.payload.length
    this.#delay.observe(frame.captureUs + frame.senderDelayUs, frame.receivedUs)
    this.jitter.push(frame.seq, frame.payload, frame.receivedUs / 1000, frame.captureUs)
  }

  /** Whether the stream has ended (end-of-stream or every connection gone). */
  get ended(): boolean {
    return this.#ended
  }

  /** Run the playout clock until the stream ends and drains, or `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    for await (const _tick of ticks(FRAME_MS, signal, this.clock)) {
      if (this.#ended && this.jitter.buffered === 0) return
      const playout = this.jitter.pull(this.clock.monotonicUs() / 1000)
      if (playout.kind === 'buffering') continue
      this.sink.write(playout.pcm)
      if (playout.kind === 'frame' && playout.captureUs !== undefined) {
        const delayUs = this.#delay.delayUs(playout.captureUs, this.clock.monotonicUs())
        if (delayUs !== undefined) this.#latency.add(delayUs / 1000)
      }
    }
  }

  stats(): AudioReceiverStats {
    const seconds = this.#firstUs !== undefined && this.#lastUs !== undefined ? (this.#lastUs - this.#firstUs) / 1e6 + FRAME_MS / 1000 : 0
    return {...this.jitter.stats, bytes: this.#bytes, malformed: this.#malformed, kbps: kbps(this.#bytes, seconds), latencyMs: this.#latency.summary()}
  }

  /** The stats event for the last second (latency and rate over that second, counters since the start). */
  interval(): Record<string, unknown> {
    const nowUs = this.clock.monotonicUs()
    const rate = kbps(this.#windowBytes, (nowUs - this.#windowStartUs) / 1e6)
    this.#windowBytes = 0
    this.#windowStartUs = nowUs
    const stats = this.jitter.stats
    return {
      event: 'stats',
      role: 'receiver',
      frames: stats.received,
      played: stats.played,
      underruns: stats.underruns,
      concealed: stats.concealed,
      late: stats.late,
      lost: stats.lost,
      dropped: stats.dropped,
      latencyMs: this.#latency.takeRecent(),
      jitterMs: round(stats.jitterMs),
      targetDelayMs: round(stats.targetDelayMs),
      // What the target is sized for and what the buffer holds: a target above spreadMs + one frame is coming down.
      spreadMs: round(stats.spreadMs),
      bufferedFrames: stats.bufferedFrames,
      kbps: rate,
    }
  }

  summary(sinkReport: Record<string, unknown>): AudioSummary {
    const stats = this.stats()
    return {
      role: 'receiver',
      frames: stats.received,
      underruns: stats.underruns,
      concealed: stats.concealed,
      late: stats.late,
      latencyMs: stats.latencyMs,
      jitterMs: round(stats.jitterMs),
      kbps: stats.kbps,
      played: stats.played,
      lost: stats.lost,
      dropped: stats.dropped,
      duplicates: stats.duplicates,
      malformed: stats.malformed,
      targetDelayMs: round(stats.targetDelayMs),
      sink: sinkReport,
    }
  }
}

/** The human stats line, once a second on stderr. */
export function receiverStatsLine(event: Record<string, unknown>): string {
  const latency = event.latencyMs as LatencySummary
  return `audio rx: ${event.frames} frames  ${event.kbps} kbit/s  latency p50 ${latency.p50} p95 ${latency.p95} ms  jitter ${event.jitterMs} ms  buffer ${event.targetDelayMs} ms (spread ${event.spreadMs}, ${event.bufferedFrames} held)  underruns ${event.underruns} concealed ${event.concealed} late ${event.late}`
}
