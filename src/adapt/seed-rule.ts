/**
 * The seed's adaptive frame size rule (paper §2.4.2), re-created so it can be compared fairly: every 25 frames the
 * sender looks at the latest latency it knows; above the bound it shrinks the frame side by bound / latency, below
 * it grows it back by the same ratio, kept within [0.5, 1]. Quality and frame rate never change, and nothing is
 * skipped. Unlike the seed, the latency here is a real estimate (the receiver's report), not a difference of two
 * unsynchronised wall clocks — which is what pinned the original at its 0.5 floor.
 */
export const SEED_EVERY_FRAMES = 25
export const SEED_FLOOR = 0.5

export type SeedReason = 'start' | 'seed:over-bound' | 'seed:under-bound' | 'seed:no-latency'

export class SeedRule {
  #scale = 1
  #frames = 0
  #latencyUs: number | undefined
  #reason: SeedReason = 'start'

  constructor(private readonly maxLatencyUs: number) {}

  get scale(): number {
    return this.#scale
  }

  get reason(): SeedReason {
    return this.#reason
  }

  /** The latest latency the receiver reported (capture → arrival), µs. */
  onLatency(latencyUs: number): void {
    this.#latencyUs = latencyUs
  }

  /** One frame sent; every 25th re-evaluates the scale. */
  onFrame(): void {
    this.#frames++
    if (this.#frames % SEED_EVERY_FRAMES !== 0) return
    if (this.#latencyUs === undefined || this.#latencyUs <= 0) {
      this.#reason = 'seed:no-latency'
      return
    }

    this.#reason = this.#latencyUs > this.maxLatencyUs ? 'seed:over-bound' : 'seed:under-bound'
    this.#scale = Math.min(1, Math.max(SEED_FLOOR, this.#scale * (this.maxLatencyUs / this.#latencyUs)))
  }
}
