import type {Clock} from '../../src/foundation/clock.js'

/**
 * The fake clock of the whole test suite: time stands still until the test moves it with `advance`, which runs
 * every timer that falls due, in order, synchronously (so a test feeds time like any other event, and never sleeps).
 */
export class FakeClock implements Clock {
  #now: number
  #next = 1
  readonly #pending = new Map<number, {due: number; fn: () => void; everyMs?: number}>()

  constructor(startMs = 0) {
    this.#now = startMs
  }

  now(): number {
    return this.#now
  }

  /** The same time: a fake host's wall clock never steps. */
  wallMs(): number {
    return this.#now
  }

  /** The same time in microseconds (the media path's stamps), so both readings advance together. */
  monotonicUs(): number {
    return Math.round(this.#now * 1000)
  }

  setTimeout(fn: () => void, ms: number): number {
    return this.#add({due: this.#now + ms, fn})
  }

  setInterval(fn: () => void, ms: number): number {
    // An interval of 0 would fire forever within one advance; the real one waits at least 1 ms too.
    const everyMs = Math.max(1, ms)
    return this.#add({due: this.#now + everyMs, fn, everyMs})
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number)
  }

  /** Timers (timeouts and intervals) set and neither fired nor cleared. */
  get pending(): number {
    return this.#pending.size
  }

  /** When the next timer falls due, if one is set (a test can stop there and let what it set off play out). */
  get nextDue(): number | undefined {
    let next: number | undefined
    for (const timer of this.#pending.values()) if (next === undefined || timer.due < next) next = timer.due
    return next
  }

  /** Move the clock forward, running every timer that falls due in order of due time, then of setting. */
  advance(ms: number): void {
    const until = this.#now + ms
    for (;;) {
      const due = [...this.#pending].filter(([, t]) => t.due <= until).sort((a, b) => a[1].due - b[1].due || a[0] - b[0])[0]
      if (!due) break
      const [id, timer] = due
      this.#now = timer.due
      // An interval stays under the same handle (so clearTimeout still stops it); a timeout is gone once it fired.
      if (timer.everyMs === undefined) this.#pending.delete(id)
      else timer.due += timer.everyMs
      timer.fn()
    }

    this.#now = until
  }

  #add(timer: {due: number; fn: () => void; everyMs?: number}): number {
    const id = this.#next++
    this.#pending.set(id, timer)
    return id
  }
}
