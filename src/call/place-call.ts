import {IvcError} from '../foundation/errors.js'
import {validateUsername} from '../foundation/username.js'
import type {Directory} from '../directory/types.js'
import type {PeerTrust} from '../security/known-peers.js'

/** Where to reach a callee, and the identity key its accept must be signed with. */
export interface Callee {
  host: string
  port: number
  publicKey: string
  /** When the callee signed its directory entry (a replay of an older one is refused). */
  signedAt: number
}

/**
 * Where to reach `name`: their directory entry (verified by the directory) must exist, be online and announce a call
 * port, and its identity key must be the one pinned for them (IDENTITY_CHANGED otherwise; `trust` decides).
 */
export async function findCallee(directory: Directory, name: string, trust: PeerTrust): Promise<Callee> {
  validateUsername(name)
  const entry = await directory.lookup(name)
  if (!entry) throw new IvcError('UNKNOWN_USER', `no user named "${name}" in the ${directory.description}${directory.unverified > 0 ? ' (entries that do not verify are ignored)' : ''}`)
  if (entry.status === 'offline') throw new IvcError('USER_OFFLINE', `${name} is offline`)
  const port = entry.ports.call
  if (!port) throw new IvcError('USER_OFFLINE', `${name} is online but not taking calls (no \`ivc listen\` running)`)
  trust.check(name, entry.publicKey, entry.signedAt)
  return {host: entry.address, port, publicKey: entry.publicKey, signedAt: entry.signedAt}
}
