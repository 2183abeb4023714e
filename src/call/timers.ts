/**
 * The only clock and timers the call code uses, injected so tests drive time by hand (no sleeps) while the real
 * process uses Node's timers. Handles are opaque to the user.
 */
export interface Timers {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const realTimers: Timers = {
  now: () => performance.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms)
    // A pending keepalive or auth timer must never keep a finished process alive.
    handle.unref()
    return handle
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}
