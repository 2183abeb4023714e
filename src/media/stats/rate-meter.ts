/**
 * Counts events (frames) and bytes, and reports rates over the whole run and over a recent window (for a live line).
 * Pure: every call takes the time in µs.
 */
export class RateMeter {
  #count = 0
  #bytes = 0
  #first: number | undefined
  #last: number | undefined
  readonly #recent: Array<{at: number; bytes: number}> = []

  constructor(private readonly windowUs = 1_000_000) {}

  add(atUs: number, bytes: number): void {
    this.#count++
    this.#bytes += bytes
    this.#first ??= atUs
    this.#last = atUs
    this.#recent.push({at: atUs, bytes})
    this.#expire(atUs)
  }

  get count(): number {
    return this.#count
  }

  get bytes(): number {
    return this.#bytes
  }

  /** Events per second over the run: (n − 1) intervals between the first and last event. */
  get rate(): number {
    if (this.#count < 2 || this.#first === undefined || this.#last === this.#first) return 0
    return ((this.#count - 1) * 1e6) / (this.#last! - this.#first)
  }

  /** kbit/s over the run, given its length in µs (default: first to last event). */
  kbps(durationUs?: number): number {
    const span = durationUs ?? (this.#first === undefined ? 0 : this.#last! - this.#first)
    return span > 0 ? (this.#bytes * 8) / 1000 / (span / 1e6) : 0
  }

  /** Events per second and kbit/s over the window ending at `nowUs`. */
  recent(nowUs: number): {rate: number; kbps: number} {
    this.#expire(nowUs)
    const bytes = this.#recent.reduce((sum, each) => sum + each.bytes, 0)
    const seconds = this.windowUs / 1e6
    return {rate: this.#recent.length / seconds, kbps: (bytes * 8) / 1000 / seconds}
  }

  #expire(nowUs: number): void {
    while (this.#recent.length > 0 && this.#recent[0].at <= nowUs - this.windowUs) this.#recent.shift()
  }
}
