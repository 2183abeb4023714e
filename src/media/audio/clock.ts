/**
 * A drift-free tick for pacing audio sources and the playout clock, on the one clock's monotonic time
 * (foundation/clock.ts: CLOCK_MONOTONIC, shared by every process on a host) in ms.
 */
import {type Clock, realClock, sleep} from '../../foundation/clock.js'

/**
 * Ticks every `periodMs` on an absolute schedule (tick k at start + k × period), so timer lateness never accumulates
 * into drift: a 60 s run has exactly 3000 ticks of 20 ms. If the process stalls, the missed ticks come at once.
 */
export async function* ticks(periodMs: number, signal: AbortSignal, clock: Clock = realClock): AsyncGenerator<{index: number; atMs: number}> {
  const now = () => clock.monotonicUs() / 1000
  const startMs = now()
  for (let index = 0; !signal.aborted; index++) {
    const dueMs = startMs + index * periodMs
    const waitMs = dueMs - now()
    if (waitMs > 0) await sleep(clock, waitMs, signal)
    if (signal.aborted) return
    yield {index, atMs: dueMs}
  }
}
