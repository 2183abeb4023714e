import {WindowedMin} from '../../foundation/windowed-min.js'

/**
 * One-way delay without synchronised clocks. For each frame, (receive time on our clock) − (send time on the sender's
 * clock) is the true delay plus an unknown clock offset. Its minimum over a window is the fastest delivery seen, so
 *   offset ≈ min(receive − send) − RTT/2
 * (the fastest one-way trip is taken to be half the fastest round trip, which the sender measures from echoes).
 * Any instant on the sender's clock then maps onto ours, and capture → now is a delay in our own units. On one host
 * ivc's clock is shared by both processes (clock.ts), so the estimate is then nearly exact.
 */
export class DelayEstimator {
  readonly #minTransit: WindowedMin
  #rttUs: number | undefined
  #minRttUs: number | undefined

  constructor(windowUs = 10_000_000) {
    this.#minTransit = new WindowedMin(windowUs)
  }

  /** A frame sent at `sendUs` (sender's clock) arrived at `receivedUs` (ours). */
  observe(sendUs: number, receivedUs: number): void {
    this.#minTransit.add(receivedUs, receivedUs - sendUs)
  }

  /** The sender's RTT estimate (from the transport's `rtt` reports). */
  setRtt(rttUs: number): void {
    this.#rttUs = rttUs
    this.#minRttUs = Math.min(this.#minRttUs ?? rttUs, rttUs)
  }

  get rttUs(): number | undefined {
    return this.#rttUs
  }

  /** Our clock minus the sender's, µs; undefined before the first frame. */
  offsetUs(nowUs?: number): number | undefined {
    const minTransit = this.#minTransit.min(nowUs)
    if (minTransit === undefined) return undefined
    return minTransit - (this.#minRttUs ?? 0) / 2
  }

  /** Delay from `senderUs` (an instant on the sender's clock, e.g. a capture) to `atUs` on ours. */
  delayUs(senderUs: number, atUs: number): number | undefined {
    const offset = this.offsetUs()
    return offset === undefined ? undefined : atUs - senderUs - offset
  }

  /** How much later than the fastest delivery in the window this one was: the queuing/jitter part of the delay. */
  excessUs(sendUs: number, receivedUs: number): number | undefined {
    const minTransit = this.#minTransit.min()
    return minTransit === undefined ? undefined : receivedUs - sendUs - minTransit
  }
}
