/**
 * Percentiles of a run's samples (latencies in ms). Keeps every sample up to a cap, then a uniform reservoir, so a
 * long call stays bounded in memory and still reports honest percentiles. The stats go out once a second, so the
 * samples are sorted at most once per new sample set, as a Float64Array (a native numeric sort): copying and sorting a
 * full reservoir with a comparator for each percentile took ~200 ms, i.e. a fifth of a core once a call had run an hour.
 */
export class Percentiles {
  #samples: number[] = []
  #seen = 0
  #max = Number.NEGATIVE_INFINITY
  /** The samples sorted, as of #sortedAt (the #seen count then). */
  #sorted = new Float64Array(0)
  #sortedAt = 0

  constructor(
    private readonly cap = 100_000,
    private readonly random: () => number = Math.random,
  ) {}

  add(value: number): void {
    this.#seen++
    this.#max = Math.max(this.#max, value)
    if (this.#samples.length < this.cap) this.#samples.push(value)
    else {
      const slot = Math.floor(this.random() * this.#seen)
      if (slot < this.cap) this.#samples[slot] = value
    }
  }

  get count(): number {
    return this.#seen
  }

  /** The p-th percentile (0..100) by nearest rank, or 0 with no samples. */
  percentile(p: number): number {
    if (this.#samples.length === 0) return 0
    if (this.#sortedAt !== this.#seen) {
      this.#sorted = Float64Array.from(this.#samples).sort()
      this.#sortedAt = this.#seen
    }

    const sorted = this.#sorted
    const rank = Math.ceil((p / 100) * sorted.length)
    return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]
  }

  get max(): number {
    return this.#seen === 0 ? 0 : this.#max
  }

  /** {p50, p95, max} rounded to 0.1 (the summary's latencyMs). */
  summary(): {p50: number; p95: number; max: number} {
    return {p50: round1(this.percentile(50)), p95: round1(this.percentile(95)), max: round1(this.max)}
  }
}

export function round1(value: number): number {
  return Math.round(value * 10) / 10
}
