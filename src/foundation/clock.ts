import {whenAborted} from './abort.js'

/**
 * The one clock of ivc: what time it is, and timers, injected into every component that reads time or waits, so that
 * tests drive time by hand (one fake, test/support/fake-clock.ts; no sleeps) while a real process uses `realClock`.
 * Handles are opaque to the user; `clearTimeout` cancels a handle from `setTimeout` or from `setInterval`, as Node's
 * does.
 *
 * Three readings of the same time, for three jobs:
 * - `now()`: milliseconds on an epoch-anchored monotonic scale, for durations, deadlines and records (call start).
 * - `wallMs()`: the system's wall clock (Date.now), for stamps other processes, on other hosts too, compare with
 *   theirs (a directory entry's lastSeen, a bus envelope's ts): both sides read NTP-set clocks, where a process's
 *   `now()` keeps any step of the system clock since it started. Never for durations: it steps.
 * - `monotonicUs()`: microseconds of the host's CLOCK_MONOTONIC. Unlike `now()` (whose origin is this process's start)
 *   it is shared by every process on one host, so the media path stamps frames with it and two ivc processes on the
 *   same machine measure true one-way delay; across hosts only differences and minima of it mean anything
 *   (media/timing/delay-estimator.ts).
 *
 * The fake clock (test/support/fake-clock.ts) derives all three from its one time, so they advance together.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. Differences are durations; it never goes backwards. */
  now(): number
  /** Milliseconds of the system's wall clock: for stamps compared across hosts, never for durations (it may step). */
  wallMs(): number
  /** Microseconds of CLOCK_MONOTONIC: comparable between processes on one host. Never goes backwards. */
  monotonicUs(): number
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
  wallMs: () => Date.now(),
  monotonicUs: () => Number(process.hrtime.bigint() / 1000n),
  setTimeout(fn, ms) {
    // A pending keepalive, auth or call timer must never keep a finished process alive.
    return setTimeout(fn, ms).unref()
  },
  setInterval(fn, ms) {
    return setInterval(fn, ms).unref()
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

/**
 * realClock's timers never keep the process alive; a timer that is the process's own work (a pacing wait, a
 * heartbeat) asks to with this. Returns the handle; a fake clock's handle is left as it is.
 */
export function keepsProcessAlive<T>(handle: T): T {
  ;(handle as {ref?: () => void}).ref?.()
  return handle
}

/** Resolves after `ms` on `clock`, or at once when `signal` aborts (never rejects): pacing loops check the signal after. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    // A pacing wait is work in progress: unlike the clock's other timers it keeps the process alive (as Node's would).
    const timer = keepsProcessAlive(clock.setTimeout(() => done(), ms))
    const stopListening = signal ? whenAborted(signal, () => done()) : undefined
    function done() {
      clock.clearTimeout(timer)
      stopListening?.()
      resolve()
    }
  })
}
