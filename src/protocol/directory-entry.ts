/**
 * A signed directory entry (docs/protocol.md, "Signed directory entries"): what a user's identity key vouches for
 * in the directory, so a reader can tell an entry its holder wrote from one anybody with write access to the store
 * planted. Binary, big-endian, canonical (one encoding per content), then the Ed25519 signature over all before it:
 *
 *   0   magic "IVCE" (49 56 43 45)       4  version u8 (1)
 *   5   signed at u64 ms since the epoch (≤ 2^53 − 1; a reader refuses one older than the newest it saw)
 *   13  public key 32 bytes (Ed25519)
 *   45  name: length u8 (1-32), bytes           then address: length u8 (1-255), bytes
 *       then version: length u8 (0-64), bytes    then ports: count u8 (0-16), each purpose length u8 (1-32),
 *       purpose bytes, port u16 (1-65535), purposes in strictly increasing byte order
 *   …   signature 64 bytes, over every byte before it
 *
 * Names, addresses, versions and purposes are ASCII (the directory's rules). The decoder bounds every length before
 * it reads, refuses trailing bytes and never throws.
 */
import type {Decoded} from '../foundation/decoded.js'
import {isValidUsername} from '../foundation/username.js'

export const ENTRY_MAGIC = Buffer.from('IVCE', 'latin1')
export const ENTRY_VERSION = 1
const HEADER_BYTES = 45
const SIGNATURE_BYTES = 64
/** The largest possible signed entry: header, the longest fields, 16 ports of the longest purpose, signature. */
export const MAX_ENTRY_BYTES = HEADER_BYTES + 33 + 256 + 65 + 1 + 16 * 35 + SIGNATURE_BYTES
const ADDRESS = /^[A-Za-z0-9.:%_-]+$/
const PURPOSE = /^[a-z][a-z0-9-]{0,31}$/
const VERSION_TEXT = /^[\x20-\x7e]*$/

export interface EntryContent {
  name: string
  address: string
  ports: Record<string, number>
  version: string
  /** 43 base64url characters. */
  publicKey: string
  signedAt: number
}

export interface SignedEntry {
  content: EntryContent
  /** The bytes the signature covers (all but the last 64). */
  signed: Buffer
  /** 86 base64url characters. */
  signature: string
}

/** The bytes to sign; throws a RangeError for content the directory would not store anyway. */
export function encodeEntryContent(content: EntryContent): Buffer {
  const reason = checkContent(content)
  if (reason) throw new RangeError(`cannot encode a directory entry: ${reason}`)
  const ascii = (text: string) => Buffer.from(text, 'latin1')
  const parts: Buffer[] = [ENTRY_MAGIC, Buffer.from([ENTRY_VERSION])]
  const at = Buffer.alloc(8)
  at.writeBigUInt64BE(BigInt(content.signedAt))
  parts.push(at, Buffer.from(content.publicKey, 'base64url'))
  for (const field of [content.name, content.address, content.version]) parts.push(Buffer.from([field.length]), ascii(field))
  const purposes = Object.keys(content.ports).sort()
  parts.push(Buffer.from([purposes.length]))
  for (const purpose of purposes) {
    const port = Buffer.alloc(2)
    port.writeUInt16BE(content.ports[purpose])
    parts.push(Buffer.from([purpose.length]), ascii(purpose), port)
  }

  return Buffer.concat(parts)
}

/** The whole entry: content, then its signature (86 base64url characters, made by the holder's identity). */
export function encodeSignedEntry(content: EntryContent, sign: (data: Buffer) => string): Buffer {
  const signed = encodeEntryContent(content)
  return Buffer.concat([signed, Buffer.from(sign(signed), 'base64url')])
}

export function decodeSignedEntry(bytes: Uint8Array): Decoded<SignedEntry> {
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (input.length > MAX_ENTRY_BYTES) return fail(`${input.length} bytes exceeds the ${MAX_ENTRY_BYTES}-byte limit`)
  if (input.length < HEADER_BYTES + SIGNATURE_BYTES) return fail(`truncated: ${input.length} bytes`)
  if (!input.subarray(0, 4).equals(ENTRY_MAGIC)) return fail(`bad magic ${input.subarray(0, 4).toString('hex')}`)
  if (input[4] !== ENTRY_VERSION) return fail(`unsupported version ${input[4]} (this ivc reads version ${ENTRY_VERSION})`)
  const signedAt = input.readBigUInt64BE(5)
  if (signedAt > BigInt(Number.MAX_SAFE_INTEGER)) return fail('signed-at time out of range')
  const body = input.subarray(0, input.length - SIGNATURE_BYTES)
  let offset = HEADER_BYTES
  const field = (what: string, min: number, max: number): string => {
    if (offset >= body.length) throw new EntryError(`truncated in the ${what}`)
    const length = body[offset]
    if (length < min || length > max) throw new EntryError(`${what} length ${length} is outside ${min}-${max}`)
    if (offset + 1 + length > body.length) throw new EntryError(`truncated in the ${what}`)
    const text = body.toString('latin1', offset + 1, offset + 1 + length)
    offset += 1 + length
    return text
  }

  try {
    const name = field('name', 1, 32)
    const address = field('address', 1, 255)
    const version = field('version', 0, 64)
    if (offset >= body.length) throw new EntryError('truncated in the ports')
    const count = body[offset++]
    if (count > 16) throw new EntryError(`${count} ports exceeds 16`)
    const ports: Record<string, number> = {}
    let previous = ''
    for (let index = 0; index < count; index++) {
      const purpose = field('port purpose', 1, 32)
      if (offset + 2 > body.length) throw new EntryError('truncated in a port')
      if (index > 0 && purpose <= previous) throw new EntryError('port purposes are not in increasing order')
      ports[purpose] = body.readUInt16BE(offset)
      offset += 2
      previous = purpose
    }

    if (offset !== body.length) throw new EntryError(`${body.length - offset} bytes after the ports`)
    const content: EntryContent = {name, address, ports, version, publicKey: input.subarray(13, 45).toString('base64url'), signedAt: Number(signedAt)}
    const reason = checkContent(content)
    if (reason) return fail(reason)
    return {ok: true, value: {content, signed: Buffer.from(body), signature: input.subarray(body.length).toString('base64url')}}
  } catch (error) {
    if (error instanceof EntryError) return fail(error.message)
    throw error
  }
}

class EntryError extends Error {}

function fail(reason: string): Decoded<SignedEntry> {
  return {ok: false, reason: `directory entry: ${reason}`}
}

function checkContent(content: EntryContent): string | undefined {
  if (!isValidUsername(content.name)) return 'the name is not a valid username'
  if (content.address.length > 255 || !ADDRESS.test(content.address)) return 'the address is not a host or address'
  if (content.version.length > 64 || !VERSION_TEXT.test(content.version)) return 'the version is not up to 64 printable ASCII characters'
  if (!/^[A-Za-z0-9_-]{43}$/.test(content.publicKey)) return 'the public key is not 43 base64url characters'
  if (!Number.isSafeInteger(content.signedAt) || content.signedAt < 0) return 'the signed-at time is not a whole number of ms'
  const purposes = Object.keys(content.ports)
  if (purposes.length > 16) return 'more than 16 ports'
  for (const purpose of purposes) {
    const port = content.ports[purpose]
    if (!PURPOSE.test(purpose)) return `port purpose "${purpose.slice(0, 40)}" is not lower-case letters, digits and "-"`
    if (!Number.isInteger(port) || port < 1 || port > 65_535) return `port ${purpose} is not 1-65535`
  }

  return undefined
}
