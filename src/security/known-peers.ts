import {chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {IvcError} from '../foundation/errors.js'
import {isValidUsername} from '../foundation/username.js'
import {fingerprint, PUBLIC_KEY_PATTERN} from './identity.js'
import {userDir} from './identity-file.js'

/**
 * The peers a local user has talked to, with the identity key each one had then, as SSH's known_hosts
 * (docs/protocol.md, "Pinning"). `<config dir>/users/<user>/known-peers`, 0600, one peer a line:
 *
 *     bob <public key, 43 base64url characters> <newest directory entry seen for bob, ms> [verified]
 *
 * `verified`: the user compared the safety number with bob and said so (`ivc trust bob --verified`). Lines starting
 * with `#` and blank lines are skipped; anything else malformed makes the whole file refused (CONFIG_INVALID), since
 * a pin silently lost would be trust silently given.
 */
export interface KnownPeer {
  publicKey: string
  /** The signed-at time of the newest directory entry of this peer seen when calling it; 0 when none. */
  entrySignedAt: number
  verified: boolean
}

/** Far above any real list (a line is ~70 bytes): a bigger file is not one of ours. */
const MAX_FILE_BYTES = 4 * 1024 * 1024
const HEADER = '# ivc known peers: NAME KEY NEWEST-ENTRY-MS [verified]; `ivc trust NAME` changes one\n'

export function knownPeersPath(configDir: string, user: string): string {
  return join(userDir(configDir, user), 'known-peers')
}

export function parseKnownPeers(text: string): {ok: true; value: Map<string, KnownPeer>} | {ok: false; reason: string} {
  if (Buffer.byteLength(text) > MAX_FILE_BYTES) return {ok: false, reason: `longer than ${MAX_FILE_BYTES} bytes`}
  const peers = new Map<string, KnownPeer>()
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '' || line.startsWith('#')) continue
    const [name, publicKey, newest, mark, ...rest] = line.split(' ')
    const entrySignedAt = Number(newest)
    const valid = isValidUsername(name ?? '') && PUBLIC_KEY_PATTERN.test(publicKey ?? '') && /^\d{1,16}$/.test(newest ?? '') && Number.isSafeInteger(entrySignedAt) && (mark === undefined || mark === 'verified') && rest.length === 0
    if (!valid) return {ok: false, reason: `line ${index + 1} is not "NAME KEY NEWEST-ENTRY-MS [verified]"`}
    peers.set(name, {publicKey, entrySignedAt, verified: mark === 'verified'})
  }

  return {ok: true, value: peers}
}

export function formatKnownPeers(peers: ReadonlyMap<string, KnownPeer>): string {
  const lines = [...peers].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, peer]) => `${name} ${peer.publicKey} ${peer.entrySignedAt}${peer.verified ? ' verified' : ''}\n`)
  return HEADER + lines.join('')
}

/** One user's known-peers file. Read fresh for every question, so two processes of the user (listen, call) agree. */
export class KnownPeers {
  constructor(
    private readonly configDir: string,
    private readonly user: string,
  ) {}

  get path(): string {
    return knownPeersPath(this.configDir, this.user)
  }

  get(name: string): KnownPeer | undefined {
    return this.#read().get(name)
  }

  /** Pin `publicKey` for `name` (replacing another), keeping the newest entry time seen; `verified` stays only for the same key. */
  set(name: string, update: {publicKey: string; entrySignedAt?: number; verified?: boolean}): KnownPeer {
    const peers = this.#read()
    const before = peers.get(name)
    const sameKey = before?.publicKey === update.publicKey
    const peer: KnownPeer = {
      publicKey: update.publicKey,
      entrySignedAt: Math.max(update.entrySignedAt ?? 0, sameKey ? before.entrySignedAt : 0),
      verified: update.verified ?? (sameKey && before.verified),
    }
    peers.set(name, peer)
    this.#write(peers)
    return peer
  }

  #read(): Map<string, KnownPeer> {
    const path = this.path
    let text: string
    try {
      if ((statSync(path).mode & 0o022) !== 0) throw new IvcError('CONFIG_INVALID', `${path} can be changed by other users`, {suggestion: `Run \`chmod 600 ${path}\`.`})
      text = readFileSync(path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map()
      if (error instanceof IvcError) throw error
      throw new IvcError('CONFIG_INVALID', `cannot read ${path}: ${(error as Error).message}`)
    }

    const parsed = parseKnownPeers(text)
    if (!parsed.ok) throw new IvcError('CONFIG_INVALID', `${path}: ${parsed.reason}`, {suggestion: 'Fix or delete the line; `ivc trust NAME` writes a good one.'})
    return parsed.value
  }

  #write(peers: ReadonlyMap<string, KnownPeer>): void {
    const dir = userDir(this.configDir, this.user)
    mkdirSync(dir, {recursive: true, mode: 0o700})
    chmodSync(dir, 0o700)
    const temporary = `${this.path}.${process.pid}.tmp`
    writeFileSync(temporary, formatKnownPeers(peers), {mode: 0o600})
    renameSync(temporary, this.path)
  }
}

/** How a presented identity key for a peer is judged (the pinning policy of docs/protocol.md, "Pinning"). */
export interface PeerTrust {
  /**
   * Throws IDENTITY_CHANGED when `publicKey` is not the key pinned for `peer`, AUTH_FAILED when nothing is pinned and
   * first use is not trusted, and AUTH_FAILED for a directory entry older than the newest seen for the peer (a replay).
   */
  check(peer: string, publicKey: string, entrySignedAt?: number): void
  /** After an authenticated call: pin the key on first use, and remember the newest entry seen. */
  pin(peer: string, publicKey: string, entrySignedAt?: number): void
  /** What is pinned, for status (verified or not). */
  pinned(peer: string): KnownPeer | undefined
}

export function knownPeersTrust(peers: KnownPeers, options: {trustOnFirstUse: boolean}): PeerTrust {
  return {
    check(peer, publicKey, entrySignedAt) {
      const known = peers.get(peer)
      if (!known) {
        if (options.trustOnFirstUse) return
        throw new IvcError('AUTH_FAILED', `no identity key is pinned for ${peer} (${fingerprint(publicKey)} offered) and --trust-on-first-use is off`, {
          suggestion: `Check ${fingerprint(publicKey)} with ${peer} (\`ivc identity\` on their side), then run \`ivc trust ${peer}\`.`,
        })
      }

      if (known.publicKey !== publicKey) throw identityChanged(peer, known.publicKey, publicKey)
      if (entrySignedAt !== undefined && entrySignedAt < known.entrySignedAt) {
        throw new IvcError('AUTH_FAILED', `the directory entry for ${peer} was signed at ${new Date(entrySignedAt).toISOString()}, before one already seen (${new Date(known.entrySignedAt).toISOString()}): a replayed entry`, {
          suggestion: `Ask ${peer} to go online again (a fresh entry), or check who writes to the directory.`,
        })
      }
    },
    pin(peer, publicKey, entrySignedAt) {
      const known = peers.get(peer)
      if (known && known.publicKey !== publicKey) throw identityChanged(peer, known.publicKey, publicKey)
      if (!known || (entrySignedAt ?? 0) > known.entrySignedAt) peers.set(peer, {publicKey, entrySignedAt})
    },
    pinned: (peer) => peers.get(peer),
  }
}

export function identityChanged(peer: string, pinned: string, presented: string): IvcError {
  return new IvcError('IDENTITY_CHANGED', `the identity key of ${peer} has changed: pinned ${fingerprint(pinned)}, now ${fingerprint(presented)}`, {
    suggestion: `If ${peer} really has a new key (ask them: \`ivc identity\`), accept it with \`ivc trust ${peer}\`; otherwise someone may be posing as ${peer}.`,
  })
}
