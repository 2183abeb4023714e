import {randomBytes, timingSafeEqual} from 'node:crypto'

/**
 * Per-call identifiers. The call's secret is not made here: both sides derive it from their key shares
 * (src/security/key-share.ts), and it never crosses the wire.
 */
/** 12 random bytes as 24 hex digits: unique enough per call, and within the 8-64 character callId field. */
export function newCallId(): string {
  return randomBytes(12).toString('hex')
}

/** Constant-time comparison, so a wrong guess learns nothing from timing. */
export function secretsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8')
  const right = Buffer.from(b, 'utf8')
  return left.length === right.length && timingSafeEqual(left, right)
}
