/** The numbers `ivc stream-audio` reports: per-second stats events, the stats line, and the final summary. */
export interface LatencySummary {
  p50: number
  p95: number
  max: number
}

export interface AudioSummary {
  role: 'receiver' | 'sender'
  frames: number
  underruns: number
  concealed: number
  late: number
  latencyMs: LatencySummary
  jitterMs: number
  kbps: number
  [more: string]: unknown
}

/** Latency samples in ms: all of them for the summary (bounded), and those since the last stats line. */
export class LatencyRecord {
  readonly #all: number[] = []
  #recent: number[] = []

  constructor(private readonly limit = 200_000) {}

  add(ms: number): void {
    if (this.#all.length < this.limit) this.#all.push(ms)
    this.#recent.push(ms)
  }

  get count(): number {
    return this.#all.length
  }

  summary(): LatencySummary {
    return summarize(this.#all)
  }

  /** Percentiles since the previous call (for the once-a-second line). */
  takeRecent(): LatencySummary {
    const recent = this.#recent
    this.#recent = []
    return summarize(recent)
  }
}

export function summarize(samples: number[]): LatencySummary {
  if (samples.length === 0) return {p50: 0, p95: 0, max: 0}
  // A native numeric sort: the summary goes out every second, over up to `limit` samples in a long call.
  const sorted = Float64Array.from(samples).sort()
  return {p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), max: round(sorted.at(-1)!)}
}

/** Nearest-rank percentile of ascending `sorted`. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]
}

export function round(value: number, places = 2): number {
  const scale = 10 ** places
  return Math.round(value * scale) / scale
}

export function kbps(bytes: number, seconds: number): number {
  return seconds > 0 ? round((bytes * 8) / 1000 / seconds) : 0
}
