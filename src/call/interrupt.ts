import type {CallDriver} from './driver.js'

/** The reason a Ctrl-C hang-up carries: the peer reads "alice hung up: Ctrl-C". */
export const INTERRUPT_REASON = 'Ctrl-C'

/** The hang-up reason for a command stopped by `signal` (Lifecycle aborts with the signal's name): Ctrl-C, SIGTERM. */
export function stopReason(signal: AbortSignal): string {
  if (signal.reason === 'SIGINT') return INTERRUPT_REASON
  return typeof signal.reason === 'string' ? signal.reason : 'interrupted'
}

/**
 * Ctrl-C in `ivc listen`: the person hangs up the call in progress (declines the one ringing, cancels the one it is
 * placing), as `ivc control hangup` would, and the listener goes on. Returns false when there is no such call (idle,
 * or the last one still ending): then Ctrl-C quits, so a second Ctrl-C always does.
 */
export function hangUpOnInterrupt(driver: Pick<CallDriver, 'state' | 'hangup'>): boolean {
  const {kind} = driver.state
  if (kind !== 'in-call' && kind !== 'incoming' && kind !== 'calling') return false
  driver.hangup(INTERRUPT_REASON)
  return true
}
