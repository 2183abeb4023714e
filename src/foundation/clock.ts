/**
 * The one clock of the call code: what time it is and timers, injected so that tests drive time by hand (one fake,
 * test/support/fake-clock.ts; no sleeps) while a real process uses `realClock`. Handles are opaque to the user;
 * `clearTimeout` cancels a handle from `setTimeout` or from `setInterval`, as Node's does.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. Differences are durations; it never goes backwards. */
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  setInterval(fn: () => void, ms: number): unknown
}

/**
 * Node's timers, and the monotonic clock anchored at the epoch when the process started: it never steps when the
 * system clock is set (so a keepalive silence or a call's duration is true), and it reads as wall-clock time (a
 * call's start and end in its records) give or take how far the system clock was stepped since this process started.
 */
export const realClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout(fn, ms) {
    // A pending keepalive, auth or call timer must never keep a finished process alive.
    return setTimeout(fn, ms).unref()
  },
  setInterval(fn, ms) {
    return setInterval(fn, ms).unref()
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}
