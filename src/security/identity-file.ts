import {chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {IvcError} from '../foundation/errors.js'
import {isValidUsername} from '../foundation/username.js'
import {type Identity, identityFromSeed, newIdentitySeed, PUBLIC_KEY_PATTERN} from './identity.js'

/**
 * Where a local user's identity lives, and its text format (docs/protocol.md, "Identity keys"): the one file that
 * `ivc identity export` prints and `ivc identity import` reads, four lines,
 *
 *     ivc identity v1
 *     user alice
 *     public <43 base64url characters: the Ed25519 public key>
 *     private <43 base64url characters: the Ed25519 private key (seed)>
 *
 * stored as `<config dir>/users/<user>/identity`, the file 0600 and its directory 0700. It is never sent on the
 * bus or the wire: only the public key and signatures leave this file.
 */
export const IDENTITY_HEADER = 'ivc identity v1'
/** Far above the ~120 bytes of a real file: anything longer is not one, and is refused before it is parsed. */
const MAX_FILE_BYTES = 1024

export interface IdentityRecord {
  user: string
  seed: Buffer
  identity: Identity
}

export function userDir(configDir: string, user: string): string {
  return join(configDir, 'users', user)
}

export function identityPath(configDir: string, user: string): string {
  return join(userDir(configDir, user), 'identity')
}

export function formatIdentity(record: IdentityRecord): string {
  return `${IDENTITY_HEADER}\nuser ${record.user}\npublic ${record.identity.publicKey}\nprivate ${record.seed.toString('base64url')}\n`
}

/** Parse the text format; every way it can be wrong is a one-line reason. */
export function parseIdentity(text: string): {ok: true; value: IdentityRecord} | {ok: false; reason: string} {
  if (Buffer.byteLength(text) > MAX_FILE_BYTES) return {ok: false, reason: `longer than ${MAX_FILE_BYTES} bytes`}
  const lines = text.replace(/\r?\n$/, '').split(/\r?\n/)
  if (lines[0] !== IDENTITY_HEADER) return {ok: false, reason: `the first line must be "${IDENTITY_HEADER}"`}
  if (lines.length !== 4) return {ok: false, reason: `expected 4 lines, found ${lines.length}`}
  const fields: Record<string, string> = {}
  for (const [index, key] of ['user', 'public', 'private'].entries()) {
    const match = new RegExp(`^${key} (\\S+)$`).exec(lines[index + 1])
    if (!match) return {ok: false, reason: `line ${index + 2} must be "${key} VALUE"`}
    fields[key] = match[1]
  }

  if (!isValidUsername(fields.user)) return {ok: false, reason: 'the user is not a valid username'}
  if (!PUBLIC_KEY_PATTERN.test(fields.public)) return {ok: false, reason: 'the public key is not 43 base64url characters'}
  if (!PUBLIC_KEY_PATTERN.test(fields.private)) return {ok: false, reason: 'the private key is not 43 base64url characters'}
  const seed = Buffer.from(fields.private, 'base64url')
  const identity = identityFromSeed(seed)
  if (identity.publicKey !== fields.public) return {ok: false, reason: 'the private key does not belong to the public key'}
  return {ok: true, value: {user: fields.user, seed, identity}}
}

/** The user's identity, created (with a fresh key pair) on first use. */
export function loadOrCreateIdentity(configDir: string, user: string): IdentityRecord {
  return readIdentity(configDir, user) ?? createIdentity(configDir, user)
}

/** The user's identity, or undefined when there is none yet. */
export function readIdentity(configDir: string, user: string): IdentityRecord | undefined {
  const path = identityPath(configDir, user)
  let text: string
  try {
    const mode = statSync(path).mode & 0o777
    if ((mode & 0o077) !== 0) {
      throw new IvcError('CONFIG_INVALID', `${path} can be read by other users (mode ${mode.toString(8)})`, {suggestion: `Run \`chmod 600 ${path}\`; a private key must be yours alone.`})
    }

    text = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    if (error instanceof IvcError) throw error
    throw new IvcError('CONFIG_INVALID', `cannot read ${path}: ${(error as Error).message}`)
  }

  const parsed = parseIdentity(text)
  if (!parsed.ok) throw new IvcError('CONFIG_INVALID', `${path} is not an ivc identity: ${parsed.reason}`)
  if (parsed.value.user !== user) throw new IvcError('CONFIG_INVALID', `${path} holds the identity of ${parsed.value.user}, not ${user}`)
  return parsed.value
}

/**
 * Write `record` as the user's identity (import, or first use). `exclusive`: only if there is none yet; a process
 * that loses that race to another reads the winner's, so two first uses at once agree on one key.
 */
export function writeIdentity(configDir: string, record: IdentityRecord, options: {exclusive: boolean}): IdentityRecord {
  const dir = userDir(configDir, record.user)
  mkdirSync(dir, {recursive: true, mode: 0o700})
  chmodSync(dir, 0o700)
  const path = identityPath(configDir, record.user)
  if (options.exclusive) {
    try {
      writeFileSync(path, formatIdentity(record), {mode: 0o600, flag: 'wx'})
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readIdentity(configDir, record.user)!
      throw error
    }

    return record
  }

  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, formatIdentity(record), {mode: 0o600})
  renameSync(temporary, path)
  return record
}

function createIdentity(configDir: string, user: string): IdentityRecord {
  const seed = newIdentitySeed()
  return writeIdentity(configDir, {user, seed, identity: identityFromSeed(seed)}, {exclusive: true})
}
