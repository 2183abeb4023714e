import type {FeedbackReport} from '../protocol/media-feedback.js'
import {WindowedMin} from '../foundation/windowed-min.js'

/** One frame as the receiver saw it arrive (the transport's ReceivedFrame carries all of these). */
export interface ObservedFrame {
  seq: number
  /** Sender's clock, µs. */
  captureUs: number
  /** Sender's µs from capture to the write. */
  senderDelayUs: number
  /** Our clock, µs. */
  receivedUs: number
  /** Payload bytes. */
  bytes: number
}

/** The jitter buffer's view, cumulative counters as in JitterBuffer.stats plus how much media it holds. */
export interface PlayoutState {
  late: number
  missing: number
  levelUs: number
}

export interface FeedbackReporterOptions {
  /** Time of the first report interval's start, on our clock. */
  startUs: number
  /** Default 100 ms. */
  intervalUs?: number
  /** Window of the running minimum transit time. Default 10 s. */
  baseWindowUs?: number
}

/**
 * The receiver's half of adaptation: turns arriving frames into a report every interval. Pure: every call carries
 * the time. Queuing delay needs no clock sync: a frame's transit (our arrival − its send time on the sender's clock)
 * is the true delay plus a constant offset, so transit minus its running minimum is the queuing part alone. The
 * latency estimate adds the sender's own delay and half the fastest round trip (when the sender has told us it).
 */
export class FeedbackReporter {
  readonly #intervalUs: number
  readonly #minTransit: WindowedMin
  #intervalStartUs: number
  #reportNumber = 0
  #minRttUs: number | undefined
  #highestSeq: number | undefined
  #last = {queuingUs: 0, latencyUs: undefined as number | undefined}
  #interval = {frames: 0, bytes: 0, maxQueuingUs: 0}
  #playout: PlayoutState = {late: 0, missing: 0, levelUs: 0}
  #playoutReported = {late: 0, missing: 0}

  constructor(options: FeedbackReporterOptions) {
    this.#intervalUs = options.intervalUs ?? 100_000
    this.#minTransit = new WindowedMin(options.baseWindowUs ?? 10_000_000)
    this.#intervalStartUs = options.startUs
  }

  onFrame(frame: ObservedFrame): void {
    const transit = frame.receivedUs - (frame.captureUs + frame.senderDelayUs)
    this.#minTransit.add(frame.receivedUs, transit)
    const queuingUs = Math.max(0, transit - (this.#minTransit.min() ?? transit))
    const latencyUs = this.#minRttUs === undefined ? undefined : frame.senderDelayUs + this.#minRttUs / 2 + queuingUs
    this.#last = {queuingUs, latencyUs}
    this.#interval.frames++
    this.#interval.bytes += frame.bytes
    this.#interval.maxQueuingUs = Math.max(this.#interval.maxQueuingUs, queuingUs)
    if (this.#highestSeq === undefined || seqNewer(frame.seq, this.#highestSeq)) this.#highestSeq = frame.seq
  }

  /** The sender's RTT (the transport's 'rtt' event): half its minimum is the base one-way delay. */
  onRtt(rttUs: number): void {
    this.#minRttUs = Math.min(this.#minRttUs ?? rttUs, rttUs)
  }

  onPlayout(state: PlayoutState): void {
    this.#playout = state
  }

  /** The report for the interval just ended, when one is due at `nowUs`; otherwise undefined. */
  poll(nowUs: number): FeedbackReport | undefined {
    const elapsed = nowUs - this.#intervalStartUs
    if (elapsed < this.#intervalUs) return undefined
    const report: FeedbackReport = {
      reportNumber: this.#reportNumber,
      delayValid: this.#interval.frames > 0,
      intervalUs: elapsed,
      queuingDelayUs: this.#last.queuingUs,
      maxQueuingDelayUs: this.#interval.maxQueuingUs,
      receivedBitsPerSecond: (this.#interval.bytes * 8 * 1e6) / elapsed,
      framesReceived: this.#interval.frames,
      lateFrames: this.#playout.late - this.#playoutReported.late,
      missingFrames: this.#playout.missing - this.#playoutReported.missing,
      bufferLevelUs: this.#playout.levelUs,
      highestSeq: this.#highestSeq ?? 0,
      latencyUs: this.#last.latencyUs,
    }
    this.#reportNumber = (this.#reportNumber + 1) & 0xffff
    this.#intervalStartUs = nowUs
    this.#interval = {frames: 0, bytes: 0, maxQueuingUs: 0}
    this.#playoutReported = {late: this.#playout.late, missing: this.#playout.missing}
    return report
  }
}

function seqNewer(a: number, b: number): boolean {
  const diff = (a - b) >>> 0
  return diff !== 0 && diff < 0x8000_0000
}
