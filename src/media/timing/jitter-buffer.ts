import {WindowedMin} from '../../foundation/windowed-min.js'

export interface JitterBufferOptions {
  /** Most frames held; beyond it the oldest is released early (counted as overflow). */
  capacity: number
  /** Bounds of the adaptive playout delay, µs above the fastest delivery seen. */
  minDelayUs: number
  maxDelayUs: number
  /** Where the target starts; default minDelayUs. */
  initialDelayUs?: number
  /** Window of the fastest-delivery minimum, µs. Default 10 s. */
  baseWindowUs?: number
}

export interface BufferedFrame<T> {
  seq: number
  captureUs: number
  item: T
  /** When this frame is due, on the receiver's clock. */
  playoutUs: number
}

export type PushOutcome = 'queued' | 'late' | 'duplicate'

export interface JitterBufferStats {
  queued: number
  played: number
  /** Arrived after a later frame had already played: dropped, never played backwards. */
  late: number
  duplicates: number
  /** Sequence numbers skipped at playout (never arrived in time). */
  missing: number
  /** Frames released before their time because the buffer was full. */
  overflow: number
  /** Arrivals with a lower seq than one that arrived before them (reordering across connections). */
  reordered: number
  targetDelayUs: number
}

/**
 * Reorders frames by sequence number and releases them at a steady playout time: capture time, mapped onto our clock
 * through the fastest delivery seen (min of arrival − capture over a window), plus a target delay. The target adapts
 * between its bounds to the p95 of the last second's excess delays — up at once, down with a half-second time
 * constant, by the clock rather than per arrival (at a low frame rate, a per-arrival decay kept a spike's delay for
 * several seconds after the queue that caused it had gone). A frame whose turn has passed is dropped as late;
 * playout never goes backwards. Pure: every method takes the current time.
 */
/** The target follows the p95 of the excess delay of the arrivals in this window... */
const ADAPT_WINDOW_US = 1_000_000
/** ...and, going down, closes the gap to it with this time constant (going up is at once). */
const DECAY_US = 500_000

export class JitterBuffer<T> {
  readonly #frames: Array<BufferedFrame<T> & {ext: number}> = []
  readonly #base: WindowedMin
  readonly #excess: Array<{atUs: number; excessUs: number}> = []
  #target: number
  #lastAdaptUs: number | undefined
  #lastPlayedExt: number | undefined
  #highestExt: number | undefined
  #lastSeq: number | undefined
  #lastExt = 0
  #stats = {played: 0, late: 0, duplicates: 0, missing: 0, overflow: 0, reordered: 0}

  constructor(private readonly options: JitterBufferOptions) {
    if (options.minDelayUs > options.maxDelayUs) throw new RangeError('minDelayUs must not exceed maxDelayUs')
    this.#target = clamp(options.initialDelayUs ?? options.minDelayUs, options.minDelayUs, options.maxDelayUs)
    this.#base = new WindowedMin(options.baseWindowUs ?? 10_000_000)
  }

  get targetDelayUs(): number {
    return this.#target
  }

  get size(): number {
    return this.#frames.length
  }

  get stats(): JitterBufferStats {
    return {...this.#stats, queued: this.#frames.length, targetDelayUs: this.#target}
  }

  push(seq: number, captureUs: number, item: T, arrivalUs: number): PushOutcome {
    const ext = this.#extend(seq)
    if (this.#highestExt !== undefined && ext < this.#highestExt) this.#stats.reordered++
    this.#highestExt = Math.max(this.#highestExt ?? ext, ext)
    if (this.#lastPlayedExt !== undefined && ext <= this.#lastPlayedExt) {
      this.#stats[ext === this.#lastPlayedExt ? 'duplicates' : 'late']++
      return ext === this.#lastPlayedExt ? 'duplicate' : 'late'
    }

    const index = this.#insertionIndex(ext)
    if (this.#frames[index]?.ext === ext) {
      this.#stats.duplicates++
      return 'duplicate'
    }

    this.#adapt(arrivalUs, arrivalUs - captureUs)
    this.#frames.splice(index, 0, {seq, captureUs, item, ext, playoutUs: 0})
    return 'queued'
  }

  /** Frames due at `nowUs`, in sequence order (plus any forced out by overflow). */
  pop(nowUs: number): Array<BufferedFrame<T>> {
    const out: Array<BufferedFrame<T>> = []
    while (this.#frames.length > 0) {
      const head = this.#frames[0]
      const due = this.#playoutUs(head.captureUs)
      const overflowing = this.#frames.length > this.options.capacity
      if (due > nowUs && !overflowing) break
      if (due > nowUs) this.#stats.overflow++
      this.#frames.shift()
      if (this.#lastPlayedExt !== undefined) this.#stats.missing += head.ext - this.#lastPlayedExt - 1
      this.#lastPlayedExt = head.ext
      this.#stats.played++
      out.push({seq: head.seq, captureUs: head.captureUs, item: head.item, playoutUs: due})
    }

    return out
  }

  /** When the next frame becomes due (our clock), or undefined when empty. */
  nextDueUs(): number | undefined {
    return this.#frames.length > 0 ? this.#playoutUs(this.#frames[0].captureUs) : undefined
  }

  /** Empty the buffer, returning what was held in order (e.g. at end of stream). */
  drain(): Array<BufferedFrame<T>> {
    return this.pop(Number.POSITIVE_INFINITY)
  }

  #playoutUs(captureUs: number): number {
    return captureUs + (this.#base.min() ?? 0) + this.#target
  }

  #adapt(arrivalUs: number, transitUs: number): void {
    this.#base.add(arrivalUs, transitUs)
    this.#excess.push({atUs: arrivalUs, excessUs: transitUs - this.#base.min()!})
    while (this.#excess.length > 1 && arrivalUs - this.#excess[0].atUs > ADAPT_WINDOW_US) this.#excess.shift()
    const sorted = this.#excess.map((sample) => sample.excessUs).sort((a, b) => a - b)
    const p95 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]
    const wanted = clamp(p95, this.options.minDelayUs, this.options.maxDelayUs)
    const elapsedUs = Math.max(0, arrivalUs - (this.#lastAdaptUs ?? arrivalUs))
    this.#lastAdaptUs = arrivalUs
    // Up at once (a late frame is a visible glitch), down smoothly (so one calm moment does not invite the next).
    this.#target = wanted > this.#target ? wanted : wanted + (this.#target - wanted) * Math.exp(-elapsedUs / DECAY_US)
  }

  /** Sequence numbers are u32 and wrap; extend them to a monotonic number by the shortest signed distance. */
  #extend(seq: number): number {
    if (this.#lastSeq === undefined) {
      this.#lastSeq = seq
      this.#lastExt = seq
      return seq
    }

    const delta = ((seq - this.#lastSeq + 2 ** 31) >>> 0) - 2 ** 31
    const ext = this.#lastExt + delta
    if (delta > 0) {
      this.#lastSeq = seq
      this.#lastExt = ext
    }

    return ext
  }

  #insertionIndex(ext: number): number {
    let low = 0
    let high = this.#frames.length
    while (low < high) {
      const mid = (low + high) >> 1
      if (this.#frames[mid].ext < ext) low = mid + 1
      else high = mid
    }

    return low
  }
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value))
}
