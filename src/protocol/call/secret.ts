import {randomBytes} from 'node:crypto'

/**
 * Per-call identifiers. The call's secret is not made here: both sides derive it from their key shares
 * (src/security/key-share.ts), and it never crosses the wire.
 */
/** 12 random bytes as 24 hex digits: unique enough per call, and within the 8-64 character callId field. */
export function newCallId(): string {
  return randomBytes(12).toString('hex')
}
