/**
 * The minimum of the values seen in a sliding time window, in O(1) amortised per sample (a monotonic deque).
 * Times are any monotonic unit; callers pass µs.
 */
export class WindowedMin {
  readonly #times: number[] = []
  readonly #values: number[] = []
  #head = 0

  constructor(private readonly windowUs: number) {}

  add(atUs: number, value: number): void {
    while (this.#values.length > this.#head && this.#values.at(-1)! >= value) {
      this.#values.pop()
      this.#times.pop()
    }

    this.#values.push(value)
    this.#times.push(atUs)
    this.#expire(atUs)
  }

  /** The minimum over (nowUs − window, nowUs], or undefined when the window is empty. */
  min(nowUs?: number): number | undefined {
    if (nowUs !== undefined) this.#expire(nowUs)
    return this.#head < this.#values.length ? this.#values[this.#head] : undefined
  }

  #expire(nowUs: number): void {
    while (this.#head < this.#times.length && this.#times[this.#head] <= nowUs - this.windowUs) this.#head++
    // Compact now and then so the arrays do not grow without bound.
    if (this.#head > 1024 && this.#head * 2 > this.#times.length) {
      this.#times.splice(0, this.#head)
      this.#values.splice(0, this.#head)
      this.#head = 0
    }
  }
}
