/**
 * Time for the media path: microseconds of CLOCK_MONOTONIC. Unlike performance.now() (whose origin is the process
 * start) this clock is shared by all processes on one host, so two ivc processes on the same machine measure true
 * one-way delay; across hosts only differences and minima of it mean anything (see delay-estimator.ts).
 */
export type Clock = () => number

export const monotonicUs: Clock = () => Number(process.hrtime.bigint() / 1000n)

/** Resolves after `ms`, or at once when `signal` aborts (never rejects): pacing loops check the signal after it. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }

    signal.addEventListener('abort', done, {once: true})
  })
}
