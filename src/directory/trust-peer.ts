import {IvcError} from '../foundation/errors.js'
import {validateUsername} from '../foundation/username.js'
import {fingerprint, PUBLIC_KEY_PATTERN} from '../security/identity.js'
import type {KnownPeers} from '../security/known-peers.js'
import type {Directory} from './types.js'

export interface TrustResult {
  peer: string
  fingerprint: string
  publicKey: string
  /** The fingerprint pinned before, when it was another key. */
  replaced?: string
  verified: boolean
}

/**
 * `ivc trust NAME`: pin the identity key NAME's directory entry (verified by the directory) has now, or the key
 * given, replacing the one pinned before: how a user accepts a peer's new key after IDENTITY_CHANGED. `verified`
 * records that the two people compared the safety number.
 */
export async function trustPeer(directory: Directory | undefined, peers: KnownPeers, name: string, options: {verified: boolean; key?: string}): Promise<TrustResult> {
  validateUsername(name)
  let publicKey = options.key
  let entrySignedAt: number | undefined
  if (publicKey === undefined) {
    const entry = await directory?.lookup(name)
    if (!entry) throw new IvcError('UNKNOWN_USER', `no verified directory entry for "${name}" to take a key from`, {suggestion: `Give the key with --key (\`ivc identity --json\` on ${name}'s side shows it).`})
    publicKey = entry.publicKey
    entrySignedAt = entry.signedAt
  } else if (!PUBLIC_KEY_PATTERN.test(publicKey)) {
    throw new IvcError('BAD_USAGE', '--key must be an identity key: 43 base64url characters (`ivc identity --json` shows it as publicKey)')
  }

  const before = peers.get(name)
  const pinned = peers.set(name, {publicKey, entrySignedAt, ...(options.verified ? {verified: true} : {})})
  return {
    peer: name,
    fingerprint: fingerprint(publicKey),
    publicKey,
    ...(before && before.publicKey !== publicKey ? {replaced: fingerprint(before.publicKey)} : {}),
    verified: pinned.verified,
  }
}
