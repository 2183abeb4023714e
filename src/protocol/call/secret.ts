import {randomBytes, timingSafeEqual} from 'node:crypto'

/**
 * Per-call identifiers. The secret travels in the callee's `accept` and must open every media and control
 * connection of that call (32 random bytes as 64 hex digits: fits the media hello's 64-byte token).
 */
export const CALL_SECRET_BYTES = 32

export function newCallSecret(): string {
  return randomBytes(CALL_SECRET_BYTES).toString('hex')
}

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
