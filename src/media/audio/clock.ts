/**
 * Time for audio: the transport's clock (CLOCK_MONOTONIC, shared by every process on a host) in ms, and a drift-free
 * 20 ms tick for pacing sources and the playout clock.
 */
import {sleep} from '../../transport/clock.js'
import {monotonicUs} from '../../transport/index.js'

export {monotonicUs} from '../../transport/index.js'

export function monotonicMs(): number {
  return monotonicUs() / 1000
}

/**
 * Ticks every `periodMs` on an absolute schedule (tick k at start + k × period), so timer lateness never accumulates
 * into drift: a 60 s run has exactly 3000 ticks of 20 ms. If the process stalls, the missed ticks come at once.
 */
export async function* ticks(periodMs: number, signal: AbortSignal, now: () => number = monotonicMs): AsyncGenerator<{index: number; atMs: number}> {
  const startMs = now()
  for (let index = 0; !signal.aborted; index++) {
    const dueMs = startMs + index * periodMs
    const waitMs = dueMs - now()
    if (waitMs > 0) await sleep(waitMs, signal)
    if (signal.aborted) return
    yield {index, atMs: dueMs}
  }
}
