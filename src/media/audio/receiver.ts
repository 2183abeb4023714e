import {type Clock, realClock} from '../../foundation/clock.js'
import type {Logger} from '../../foundation/logger.js'
import {type MediaReceiver, type ReceivedFrame} from '../../transport/index.js'
import {DelayEstimator} from '../timing/delay-estimator.js'
import {ticks} from './clock.js'
import {FRAME_MS, SILENT_FRAME} from './format.js'
import {AudioJitterBuffer, type AudioJitterBufferOptions, type AudioJitterStats, type Playout} from './jitter-buffer.js'
import {type AudioSummary, kbps, LatencyRecord, type LatencySummary, round} from './summary.js'
import {pcmCodec} from './pcm-codec.js'
import type {AudioCodec, AudioSink} from './types.js'
import type {RecordTap} from '../record-tap.js'

export interface AudioReceiverStats extends AudioJitterStats {
  bytes: number
  /** Frames whose payload was not one 20 ms frame of the stream's codec (ignored, or concealed at playout). */
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
    /** The codec the stream's frames are in: they are decoded in order, as they are played. */
    private readonly codec: AudioCodec = pcmCodec,
    /** A recorded call's: each frame as it came, its capture mapped onto our clock (the delay estimator's offset). */
    private readonly record?: RecordTap,
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
    if (!this.codec.fits(frame.payload.length)) {
      this.#malformed++
      if (this.#malformed === 1) this.logger.warn(`frame ${frame.seq} carries ${frame.payload.length} bytes, which is not one 20 ms ${this.codec.name} frame; ignored`)
      return
    }

    this.#firstUs ??= frame.receivedUs
    this.#lastUs = frame.receivedUs
    this.#bytes += frame.payload.length
    this.#windowBytes += frame.payload.length
    this.#delay.observe(frame.captureUs + frame.senderDelayUs, frame.receivedUs)
    this.record?.frame(frame.seq, frame.captureUs + (this.#delay.offsetUs() ?? 0), true, frame.payload)
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
      this.sink.write(this.#play(playout))
      if (playout.kind === 'frame' && playout.captureUs !== undefined) {
        const delayUs = this.#delay.delayUs(playout.captureUs, this.clock.monotonicUs())
        if (delayUs !== undefined) this.#latency.add(delayUs / 1000)
      }
    }
  }

  /**
   * The PCM of a playout: a frame decoded (in sequence order, which a stateful decoder such as Opus's needs), or, in
   * place of a missing one, the codec's own concealment where it has one (the jitter buffer's faded repeat only knows
   * PCM). A frame that does not decode is concealed and counted as malformed.
   */
  #play(playout: Exclude<Playout, {kind: 'buffering'}>): Buffer {
    if (playout.kind === 'concealed') return this.codec.conceal?.() ?? playout.pcm
    try {
      return this.codec.decode(playout.pcm)
    } catch (error) {
      this.#malformed++
      if (this.#malformed === 1) this.logger.warn(`frame ${playout.seq} does not decode as ${this.codec.name}: ${(error as Error).message}; concealed`)
      return this.codec.conceal?.() ?? SILENT_FRAME
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
      codec: this.codec.name,
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
      codec: this.codec.name,
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
  return `audio rx (${event.codec}): ${event.frames} frames  ${event.kbps} kbit/s  latency p50 ${latency.p50} p95 ${latency.p95} ms  jitter ${event.jitterMs} ms  buffer ${event.targetDelayMs} ms (spread ${event.spreadMs}, ${event.bufferedFrames} held)  underruns ${event.underruns} concealed ${event.concealed} late ${event.late}`
}
