import {createHash, randomBytes} from 'node:crypto'

import {IvcError} from '../foundation/errors.js'

/**
 * The key of a standalone stream (`ivc stream-video|stream-audio --secret`, docs/protocol.md "Call security"): 32
 * random bytes, never a passphrase. A passphrase turned into the PSK by a fast KDF can be guessed offline from one
 * captured ClientHello; 256 random bits cannot. Written as text in one exact format:
 *
 *   `ivc1-` + base64url (no padding) of the 32 key bytes ‖ the first 4 bytes of SHA-256(key bytes)
 *
 * 36 bytes make exactly 48 base64url characters, so every key has one spelling (no padding, no spare bits); the
 * checksum catches a key mistyped or cut short before it becomes a puzzling AUTH_FAILED at the other end.
 */
export const STREAM_SECRET_PREFIX = 'ivc1-'
export const STREAM_SECRET_PATTERN = /^ivc1-[A-Za-z0-9_-]{48}$/
const KEY_BYTES = 32
const CHECKSUM_BYTES = 4

/** A fresh stream secret in its text form. */
export function newStreamSecret(): string {
  return formatStreamSecret(randomBytes(KEY_BYTES))
}

/** The text form of 32 key bytes. */
export function formatStreamSecret(key: Buffer): string {
  if (key.length !== KEY_BYTES) throw new RangeError(`a stream key is ${KEY_BYTES} bytes, not ${key.length}`)
  return STREAM_SECRET_PREFIX + Buffer.concat([key, checksum(key)]).toString('base64url')
}

/**
 * The key of a stream secret given as text, as 64 lower-case hex digits: the form a call gives its components, so
 * a standalone stream and a call's component key their connections the same way. Anything else is SECRET_INVALID,
 * with what is wrong in one line (never the value itself: it may be a real key with one typo).
 */
export function parseStreamSecret(text: string): string {
  if (!text.startsWith(STREAM_SECRET_PREFIX)) throw invalid(`it does not start with "${STREAM_SECRET_PREFIX}" (passphrases are not accepted)`)
  if (!STREAM_SECRET_PATTERN.test(text)) {
    const body = text.length - STREAM_SECRET_PREFIX.length
    throw invalid(body === 48 ? 'it has a character that is not base64url (A-Z a-z 0-9 - _)' : `it has ${body} characters after "${STREAM_SECRET_PREFIX}", not 48`)
  }

  const bytes = Buffer.from(text.slice(STREAM_SECRET_PREFIX.length), 'base64url')
  const key = bytes.subarray(0, KEY_BYTES)
  if (!checksum(key).equals(bytes.subarray(KEY_BYTES))) throw invalid('its checksum does not match (a character was mistyped?)')
  return key.toString('hex')
}

function checksum(key: Buffer): Buffer {
  return createHash('sha256').update(key).digest().subarray(0, CHECKSUM_BYTES)
}

function invalid(what: string): IvcError {
  return new IvcError('SECRET_INVALID', `the stream secret is not an ivc key: ${what}`)
}
