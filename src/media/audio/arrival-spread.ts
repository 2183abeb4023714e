export interface ArrivalSpreadOptions {
  /** How long the base (fastest transit) and recurring delay peaks are remembered. Default 10 s. */
  windowMs?: number
  /** Arrivals are summed up per block of this much arrival time (memory: window / block entries). Default 1 s. */
  blockMs?: number
}

/** One block of arrival time: the fastest and slowest transit seen in it. */
interface Block {
  index: number
  minTransit: number
  maxTransit: number
}

/**
 * How unevenly frames arrive, from their sequence numbers and arrival times only (no clock sync with the sender).
 * A frame's transit is `arrival - seq × frameMs`; the fastest recent transit is the base, and a frame's spread is how
 * much later than the base it came. The jitter buffer must hold the spread it will meet again to never run dry.
 *
 * The spread that will come again: that of the last block or two (the jitter now), and any level the spread reached
 * twice, two or more blocks apart, within the window (a recurring bump, such as a rate probe on a tight link every few
 * seconds, keeps its headroom between bumps). A single stall is not held for the whole window: when the largest spread
 * of the window was held, one 100 ms stall (processes short of CPU around a mute in the demo) kept every later frame
 * 100 ms late for 10 s, though nothing like it came again.
 *
 * Also keeps the RFC 3550 interarrival jitter (the number people compare between tools).
 */
export class ArrivalSpread {
  readonly #blockMs: number
  readonly #windowBlocks: number
  /** Oldest first; at most windowBlocks entries, with increasing block indices. */
  readonly #blocks: Block[] = []
  #count = 0
  #lastTransit: number | undefined
  #rfcJitter = 0

  constructor(
    private readonly frameMs: number,
    options: ArrivalSpreadOptions = {},
  ) {
    this.#blockMs = options.blockMs ?? 1000
    this.#windowBlocks = Math.max(3, Math.ceil((options.windowMs ?? 10_000) / this.#blockMs))
  }

  add(extendedSeq: number, arrivalMs: number): void {
    const transit = arrivalMs - extendedSeq * this.frameMs
    this.#count++
    const index = Math.floor(arrivalMs / this.#blockMs)
    const last = this.#blocks.at(-1)
    // An arrival stamped before the current block (out of order in time) counts in the current block.
    if (last && index <= last.index) {
      last.minTransit = Math.min(last.minTransit, transit)
      last.maxTransit = Math.max(last.maxTransit, transit)
    } else {
      this.#blocks.push({index, minTransit: transit, maxTransit: transit})
      while (this.#blocks[0].index <= index - this.#windowBlocks) this.#blocks.shift()
    }

    if (this.#lastTransit !== undefined) this.#rfcJitter += (Math.abs(transit - this.#lastTransit) - this.#rfcJitter) / 16
    this.#lastTransit = transit
  }

  /** Arrivals seen since the start. */
  get count(): number {
    return this.#count
  }

  /** The fastest transit in the window: a frame arriving at `base + seq × frameMs` came as early as any. */
  get base(): number {
    let min = Number.POSITIVE_INFINITY
    for (const block of this.#blocks) if (block.minTransit < min) min = block.minTransit
    return min
  }

  /**
   * The spread to hold headroom for, in ms: the largest in the last two blocks (the current one may have just begun),
   * or the highest level reached in two blocks at least two apart within the window (two apart, so that one stall
   * whose late frames straddle a block boundary does not count as recurring).
   */
  get neededSpreadMs(): number {
    const blocks = this.#blocks
    if (blocks.length === 0) return 0
    const newest = blocks.at(-1)!.index
    let needed = Number.NEGATIVE_INFINITY
    for (const block of blocks) if (block.index >= newest - 1) needed = Math.max(needed, block.maxTransit)
    for (let i = 0; i < blocks.length; i++) {
      for (let j = i + 1; j < blocks.length; j++) {
        if (blocks[j].index - blocks[i].index >= 2) needed = Math.max(needed, Math.min(blocks[i].maxTransit, blocks[j].maxTransit))
      }
    }

    return needed - this.base
  }

  /** RFC 3550 §6.4.1 interarrival jitter, in ms. */
  get jitterMs(): number {
    return this.#rfcJitter
  }
}
