import type {Clock} from '../foundation/clock.js'
import {Percentiles, round1} from '../media/stats/percentiles.js'

/** A report further from its hand-over than this is not of a frame we sent lately (a page long asleep): ignored. */
const MAX_PLAUSIBLE_MS = 10_000

/**
 * The latency the page path adds to the peer's video: from the receiver's hand-over to the ui socket (the time field
 * of its media message, this host's monotonic clock) to the page's report that it painted the frame (`taken`, which
 * returns that time), read on the same clock. So it counts the relay, the WebSocket, the decode in the browser, the
 * paint and the report's way back over loopback, and no clock offset at all. Over the run, and over the last second.
 */
export class PageLatency {
  readonly #run = new Percentiles()
  readonly #recent: Array<{atUs: number; ms: number}> = []

  constructor(private readonly clock: Clock) {}

  /** The page painted the frame handed over at `handedUs`. */
  painted(handedUs: number): void {
    const atUs = this.clock.monotonicUs()
    const ms = (atUs - handedUs) / 1000
    if (!(ms >= 0 && ms <= MAX_PLAUSIBLE_MS)) return
    this.#run.add(ms)
    this.#recent.push({atUs, ms})
    if (this.#recent.length > 1000) this.#recent.shift()
  }

  /** p50 and p95 of the frames painted in the last second, or undefined when there were none. */
  recent(): {p50: number; p95: number} | undefined {
    const nowUs = this.clock.monotonicUs()
    while (this.#recent.length > 0 && nowUs - this.#recent[0].atUs > 1_000_000) this.#recent.shift()
    if (this.#recent.length === 0) return undefined
    const last = new Percentiles()
    for (const sample of this.#recent) last.add(sample.ms)
    return {p50: round1(last.percentile(50)), p95: round1(last.percentile(95))}
  }

  /** Over the whole run: frames painted, and their latency. */
  summary(): {painted: number; latencyMs: {p50: number; p95: number; max: number}} {
    return {painted: this.#run.count, latencyMs: this.#run.summary()}
  }
}
