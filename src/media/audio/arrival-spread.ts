/**
 * How unevenly frames arrive, from their sequence numbers and arrival times only (no clock sync with the sender).
 * A frame's transit is `arrival - seq × frameMs`; the fastest recent transit is the base, and a frame's spread is how
 * much later than the base it came. The jitter buffer must hold at least the largest recent spread to never run dry.
 * Also keeps the RFC 3550 interarrival jitter (the number people compare between tools).
 */
export class ArrivalSpread {
  readonly #transits: number[] = []
  #head = 0
  #lastTransit: number | undefined
  #rfcJitter = 0

  constructor(
    private readonly frameMs: number,
    /** How many recent arrivals the base and the spread look back over. */
    private readonly window: number,
  ) {}

  add(extendedSeq: number, arrivalMs: number): void {
    const transit = arrivalMs - extendedSeq * this.frameMs
    if (this.#transits.length < this.window) this.#transits.push(transit)
    else {
      this.#transits[this.#head] = transit
      this.#head = (this.#head + 1) % this.window
    }

    if (this.#lastTransit !== undefined) this.#rfcJitter += (Math.abs(transit - this.#lastTransit) - this.#rfcJitter) / 16
    this.#lastTransit = transit
  }

  get count(): number {
    return this.#transits.length
  }

  /** The fastest transit in the window: a frame arriving at `base + seq × frameMs` came as early as any. */
  get base(): number {
    let min = Number.POSITIVE_INFINITY
    for (const transit of this.#transits) if (transit < min) min = transit
    return min
  }

  /** The largest spread (transit − base) in the window, in ms. */
  get maxSpreadMs(): number {
    let min = Number.POSITIVE_INFINITY
    let max = Number.NEGATIVE_INFINITY
    for (const transit of this.#transits) {
      if (transit < min) min = transit
      if (transit > max) max = transit
    }

    return this.#transits.length === 0 ? 0 : max - min
  }

  /** RFC 3550 §6.4.1 interarrival jitter, in ms. */
  get jitterMs(): number {
    return this.#rfcJitter
  }
}
