import type {Timers} from '../../src/call/timers.js'

/** Hand-driven time for the call code: nothing fires until the test advances the clock. */
export class ManualTimers implements Timers {
  #now = 0
  #next = 1
  readonly #pending = new Map<number, {due: number; fn: () => void}>()

  now(): number {
    return this.#now
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = this.#next++
    this.#pending.set(id, {due: this.#now + ms, fn})
    return id
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number)
  }

  get pending(): number {
    return this.#pending.size
  }

  /** Move the clock forward, running every timer that falls due, in order (timers they set included). */
  advance(ms: number): void {
    const until = this.#now + ms
    for (;;) {
      const due = [...this.#pending].filter(([, t]) => t.due <= until).sort((a, b) => a[1].due - b[1].due || a[0] - b[0])[0]
      if (!due) break
      this.#pending.delete(due[0])
      this.#now = due[1].due
      due[1].fn()
    }

    this.#now = until
  }
}
