import {ArrivalSpread} from './arrival-spread.js'
import {concealFrame} from './concealment.js'
import {FRAME_MS} from './format.js'

export interface AudioJitterBufferOptions {
  frameMs?: number
  /** Playout delay before enough arrivals were seen to measure jitter. */
  initialDelayMs?: number
  minDelayMs?: number
  maxDelayMs?: number
  /** Most frames held; a frame further ahead than this pushes the playout point forward. */
  capacityFrames?: number
  /** Width of the sequence number on the wire (32 for the media transport); sequence numbers wrap at 2^bits. */
  seqBits?: number
  /**
   * How long the jitter measurement remembers (10 s): long enough to keep the headroom a recurring queue bump needs
   * until the next such bump (a rate probe on a tight link comes every few seconds). A bump that does not recur is
   * held for a second or two only (arrival-spread.ts).
   */
  windowMs?: number
  /** Arrivals needed before the measured jitter replaces the initial delay. */
  warmupFrames?: number
}

/** What the playout clock gets on each 20 ms tick. */
export type Playout =
  /** Still filling up before the first frame's playout time: play nothing (this is not an underrun). */
  | {kind: 'buffering'}
  /** A received frame; `delayMs` is how long after its earliest possible arrival it is played. */
  | {kind: 'frame'; seq: number; pcm: Buffer; captureUs: number | undefined; delayMs: number}
  /** A made-up frame in place of a missing one (faded repeat, then silence). */
  | {kind: 'concealed'; pcm: Buffer; reason: 'underrun' | 'lost' | 'stretch'}

export type PushResult = 'accepted' | 'late' | 'duplicate'

export interface AudioJitterStats {
  received: number
  played: number
  concealed: number
  /** Ticks that found the buffer empty while a frame was due. */
  underruns: number
  /** Frames that arrived after their playout time and were thrown away. */
  late: number
  /**
   * Frames of the stream never played nor dropped: a hole given up on with later frames waiting (concealed), a frame
   * moved past with nothing to play (counted once a frame shows it was part of the stream: it, or a later one, came),
   * or one that came after playout had started from a later one. With played and dropped, every frame from the first
   * to the last that came is counted once.
   */
  lost: number
  /** Frames skipped to bring the delay back down, or pushed out by overflow. */
  dropped: number
  duplicates: number
  targetDelayMs: number
  /** The arrival spread the target is sized for (it follows this up at once, down slowly). */
  spreadMs: number
  jitterMs: number
  bufferedFrames: number
}

interface Held {
  pcm: Buffer
  captureUs: number | undefined
}

/**
 * The receiver's audio jitter buffer: a pure object driven by arrivals (`push`) and by the playout clock (`pull`,
 * one frame per tick), both given the time. It reorders by sequence number and plays frame `next` between half a
 * frame before and one and a half frames after `targetDelayMs` past the earliest moment it could have arrived (the
 * window keeps it from hunting). The target follows the arrival spread that is likely to come again (up at once, down
 * by at most 1 ms a tick), bounded to [min, max]. When the next frame is missing it conceals: it waits (stretches)
 * while the frame may still come, and gives the hole up as lost once it is overdue and later frames are waiting. Too
 * much delay is shed by skipping a frame.
 */
export class AudioJitterBuffer {
  readonly #frameMs: number
  readonly #minDelayMs: number
  readonly #maxDelayMs: number
  readonly #capacity: number
  readonly #seqModulo: number
  readonly #warmup: number
  readonly #frames = new Map<number, Held>()
  readonly #spread: ArrivalSpread
  #highest: number | undefined
  #next: number | undefined
  #startAtMs = 0
  #started = false
  /** The frame playout started from: one before it that comes later is lost (counted then). */
  #firstPlayed: number | undefined
  /**
   * The first of the frames moved past with nothing held (an underrun past the maximum delay), up to `#next`: counted
   * as lost only when a frame shows they were part of the stream, for past its last frame they never existed.
   */
  #uncountedFrom: number | undefined
  #targetMs: number
  #lastGood: Buffer | undefined
  #concealRun = 0
  readonly #stats = {received: 0, played: 0, concealed: 0, underruns: 0, late: 0, lost: 0, dropped: 0, duplicates: 0}

  constructor(options: AudioJitterBufferOptions = {}) {
    this.#frameMs = options.frameMs ?? FRAME_MS
    this.#minDelayMs = options.minDelayMs ?? 20
    this.#maxDelayMs = options.maxDelayMs ?? 200
    this.#targetMs = clamp(options.initialDelayMs ?? 40, this.#minDelayMs, this.#maxDelayMs)
    this.#capacity = options.capacityFrames ?? Math.ceil((2 * this.#maxDelayMs) / this.#frameMs)
    this.#seqModulo = 2 ** (options.seqBits ?? 32)
    this.#warmup = options.warmupFrames ?? 25
    this.#spread = new ArrivalSpread(this.#frameMs, {windowMs: options.windowMs ?? 10_000})
  }

  /** A frame arrived at `nowMs` (receiver's clock) with wire sequence number `seq`. */
  push(seq: number, pcm: Buffer, nowMs: number, captureUs?: number): PushResult {
    const ext = this.#extend(seq)
    this.#stats.received++
    this.#spread.add(ext, nowMs)
    this.#countPassed(ext)
    if (this.#next !== undefined && ext < this.#next) {
      if (!this.#started) {
        // Before playout starts an earlier frame simply becomes the first one.
        this.#next = ext
      } else {
        this.#stats.late++
        return 'late'
      }
    }

    if (this.#frames.has(ext)) {
      this.#stats.duplicates++
      return 'duplicate'
    }

    if (this.#next === undefined) {
      this.#next = ext
      this.#startAtMs = nowMs + this.#targetMs
    }

    this.#frames.set(ext, {pcm, captureUs})
    this.#shedOverflow(ext)
    return 'accepted'
  }

  /** The playout clock's tick at `nowMs`: exactly one frame's worth of audio (or `buffering` before the start). */
  pull(nowMs: number): Playout {
    if (this.#next === undefined || (!this.#started && nowMs < this.#startAtMs)) return {kind: 'buffering'}
    this.#started = true
    this.#firstPlayed ??= this.#next
    this.#adaptTarget()
    let delayMs = nowMs - (this.#spread.base + this.#next * this.#frameMs)
    let held = this.#frames.get(this.#next)
    if (held && delayMs > this.#targetMs + 1.5 * this.#frameMs && this.#frames.has(this.#next + 1)) {
      // Holding far more than needed: skip one frame to bring the delay down.
      this.#frames.delete(this.#next)
      this.#next++
      this.#stats.dropped++
      delayMs -= this.#frameMs
      held = this.#frames.get(this.#next)
    }

    if (held && delayMs >= this.#targetMs - this.#frameMs / 2) {
      this.#frames.delete(this.#next)
      const seq = ((this.#next % this.#seqModulo) + this.#seqModulo) % this.#seqModulo
      this.#next++
      this.#lastGood = held.pcm
      this.#concealRun = 0
      this.#stats.played++
      return {kind: 'frame', seq, pcm: held.pcm, captureUs: held.captureUs, delayMs}
    }

    if (held) return this.#conceal('stretch')
    if (this.#frames.size === 0) {
      this.#stats.underruns++
      // Waiting cannot help past the maximum delay: give the frame up so the stream moves on when audio returns.
      if (delayMs > this.#maxDelayMs) {
        this.#uncountedFrom ??= this.#next
        this.#next++
      }
      return this.#conceal('underrun')
    }

    if (delayMs >= this.#targetMs) {
      // Overdue while later frames wait: give up on the whole hole at once (the ticks spent waiting already filled it).
      const resume = Math.min(...this.#frames.keys())
      this.#stats.lost += resume - this.#next
      this.#next = resume
      return this.#conceal('lost')
    }

    return this.#conceal('stretch')
  }

  /** Frames waiting to be played. */
  get buffered(): number {
    return this.#frames.size
  }

  get targetDelayMs(): number {
    return this.#targetMs
  }

  get stats(): AudioJitterStats {
    return {
      ...this.#stats,
      targetDelayMs: this.#targetMs,
      spreadMs: this.#spread.neededSpreadMs,
      jitterMs: this.#spread.jitterMs,
      bufferedFrames: this.#frames.size,
    }
  }

  #conceal(reason: 'underrun' | 'lost' | 'stretch'): Playout {
    this.#concealRun++
    this.#stats.concealed++
    return {kind: 'concealed', pcm: concealFrame(this.#lastGood, this.#concealRun), reason}
  }

  /** Frame `ext` came: it shows that the frames before it that were passed over uncounted are the stream's, lost. */
  #countPassed(ext: number): void {
    if (this.#firstPlayed !== undefined && ext < this.#firstPlayed) {
      this.#stats.lost += this.#firstPlayed - ext
      this.#firstPlayed = ext
    }

    if (this.#uncountedFrom === undefined || ext < this.#uncountedFrom) return
    const upTo = Math.min(ext + 1, this.#next!)
    this.#stats.lost += upTo - this.#uncountedFrom
    this.#uncountedFrom = upTo < this.#next! ? upTo : undefined
  }

  #adaptTarget(): void {
    if (this.#spread.count < this.#warmup) return
    // Frames play from half a frame before the target on (the tick's phase), so a frame of headroom over the spread
    // that will come again keeps every frame in time, with half a frame to spare for a late timer.
    const wanted = clamp(this.#spread.neededSpreadMs + this.#frameMs, this.#minDelayMs, this.#maxDelayMs)
    this.#targetMs = wanted >= this.#targetMs ? wanted : Math.max(wanted, this.#targetMs - 1)
  }

  /** Far-ahead frames push the playout point forward so the buffer stays within its capacity. */
  #shedOverflow(ext: number): void {
    const next = this.#next!
    if (ext - next < this.#capacity) return
    const newNext = ext - this.#capacity + 1
    // Held frames are dropped; holes (frames yet to come, if ever) are lost: a later frame shows they were the stream's.
    for (let seq = next; seq < newNext; seq++) this.#stats[this.#frames.delete(seq) ? 'dropped' : 'lost']++
    this.#next = newNext
  }

  /** The wire sequence number as an unbounded one, relative to the highest seen (handles wrap-around). */
  #extend(seq: number): number {
    if (this.#highest === undefined) {
      this.#highest = seq
      return seq
    }

    const half = this.#seqModulo / 2
    const delta = ((((seq - this.#highest) % this.#seqModulo) + this.#seqModulo + half) % this.#seqModulo) - half
    const ext = this.#highest + delta
    if (ext > this.#highest) this.#highest = ext
    return ext
  }
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value))
}
