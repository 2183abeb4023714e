import {z} from 'zod'

import {isValidUsername} from '../foundation/username.js'
import {MAX_ENTRY_BYTES} from '../protocol/directory-entry.js'
import {PUBLIC_KEY_PATTERN} from '../security/identity.js'
import {PRESENCE_STATUSES} from './types.js'

/**
 * What a well-formed stored entry looks like. Anything read from a shared directory is untrusted input (another
 * version, a hand edit, a bug elsewhere), so both backends parse every entry and skip, with a warning, what fails.
 */
const port = z.number().int().min(1).max(65_535)
const millis = z.number().int().nonnegative()

export const entrySchema = z.object({
  name: z.string().refine(isValidUsername, 'not a valid username'),
  address: z.string().min(1).max(255).regex(/^[A-Za-z0-9.:%_-]+$/, 'not a host or address'),
  ports: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/), port).refine((ports) => Object.keys(ports).length <= 16, 'too many ports'),
  status: z.enum(PRESENCE_STATUSES),
  since: millis,
  lastSeen: millis,
  version: z.string().max(64),
  publicKey: z.string().regex(PUBLIC_KEY_PATTERN, 'not an Ed25519 public key'),
  signedAt: millis,
  /** The signed entry (src/protocol/directory-entry.ts), base64url; bounded before it is decoded. */
  signed: z.string().max(Math.ceil((MAX_ENTRY_BYTES * 4) / 3)).regex(/^[A-Za-z0-9_-]*$/, 'not base64url'),
})

/** An entry as stored: the fields readers show, and the signed bytes that vouch for them (checked by EntryVerifier). */
export type StoredEntry = z.infer<typeof entrySchema>

export type ParsedEntry = {ok: true; entry: StoredEntry} | {ok: false; reason: string}

export function parseEntry(raw: unknown): ParsedEntry {
  const result = entrySchema.safeParse(raw)
  if (result.success) return {ok: true, entry: result.data}
  const issue = result.error.issues[0]
  return {ok: false, reason: `${issue.path.join('.') || 'entry'}: ${issue.message}`}
}

/** A registration's address and ports must be valid before they are stored; same rules as reading. */
export function checkAddressAndPorts(address: string, ports: Record<string, number>): string | undefined {
  const result = entrySchema.pick({address: true, ports: true}).safeParse({address, ports})
  if (result.success) return undefined
  const issue = result.error.issues[0]
  return `${issue.path.join('.')}: ${issue.message}`
}

/** Redis keeps hash fields as strings: decode them to the shape the schema checks (bad numbers stay bad). */
export function fromRedisHash(hash: Record<string, string>): unknown {
  return {
    name: hash.name,
    address: hash.address,
    ports: jsonOr(hash.ports, undefined),
    status: hash.status,
    since: numberOr(hash.since),
    lastSeen: numberOr(hash.lastSeen),
    version: hash.version,
    publicKey: hash.publicKey,
    signedAt: numberOr(hash.signedAt),
    signed: hash.signed,
  }
}

/** Pick the entry fields out of a stored document (MongoDB adds _id, session, expiresAt). */
export function fromDocument(document: Record<string, unknown>): unknown {
  const {name, address, ports, status, since, lastSeen, version, publicKey, signedAt, signed} = document
  return {name, address, ports, status, since, lastSeen, version, publicKey, signedAt, signed}
}

function numberOr(text: string | undefined): number | string | undefined {
  if (text === undefined) return undefined
  const value = Number(text)
  return Number.isFinite(value) && text.trim() !== '' ? value : text
}

function jsonOr(text: string | undefined, fallback: unknown): unknown {
  if (text === undefined) return fallback
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
