/**
 * Run `onAbort` once when `signal` aborts, or at once if it already has: an 'abort' listener added after the fact
 * never fires, so work that starts after a stop (a --duration or SIGTERM that came while a process was still loading)
 * would otherwise run forever. Returns what removes the listener.
 */
export function whenAborted(signal: AbortSignal, onAbort: () => void): () => void {
  if (signal.aborted) {
    onAbort()
    return () => undefined
  }

  signal.addEventListener('abort', onAbort, {once: true})
  return () => signal.removeEventListener('abort', onAbort)
}
