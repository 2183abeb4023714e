/**
 * Freezes as W3C webrtc-stats defines them (RTCInboundRtpStreamStats.freezeCount): a frame is a freeze when the gap
 * since the previous rendered frame is at least max(3 × the mean of recent gaps, that mean + 150 ms). The mean is over
 * the last `window` gaps before this one. Pure: fed render times in µs.
 */
export class FreezeDetector {
  readonly #gaps: number[] = []
  #sum = 0
  #last: number | undefined
  #freezes = 0
  #frozenUs = 0

  constructor(private readonly window = 30) {}

  /** A frame was rendered at `atUs`; returns true when the gap before it was a freeze. */
  frame(atUs: number): boolean {
    const last = this.#last
    this.#last = atUs
    if (last === undefined) return false
    const gap = atUs - last
    let frozen = false
    if (this.#gaps.length > 0) {
      const mean = this.#sum / this.#gaps.length
      if (gap >= Math.max(3 * mean, mean + 150_000)) {
        frozen = true
        this.#freezes++
        this.#frozenUs += gap
      }
    }

    this.#gaps.push(gap)
    this.#sum += gap
    if (this.#gaps.length > this.window) this.#sum -= this.#gaps.shift()!
    return frozen
  }

  get freezes(): number {
    return this.#freezes
  }

  /** Total time spent in freezes, µs (webrtc-stats totalFreezesDuration). */
  get frozenUs(): number {
    return this.#frozenUs
  }
}
