import {isDeepStrictEqual} from 'node:util'

import type {Logger} from '../foundation/logger.js'
import {decodeSignedEntry, encodeSignedEntry} from '../protocol/directory-entry.js'
import {verifySignature} from '../security/identity.js'
import type {StoredEntry} from './entry.js'
import type {DirectoryEntry, EntrySigner} from './types.js'

/** The signed form of a registration, stored beside its fields (`signed`, base64url). */
export function signEntry(content: {name: string; address: string; ports: Record<string, number>; version: string; signedAt: number}, identity: EntrySigner): string {
  return encodeSignedEntry({...content, publicKey: identity.publicKey}, (data) => identity.sign(data)).toString('base64url')
}

/**
 * What a reader does with an entry before it believes it (docs/directory.md, "Signed entries"): decode its signed
 * form, check the signature with the key it names, check the fields it shows are the signed ones, and refuse one
 * signed earlier than the newest seen for that name (a replayed old entry, say with an old address). Dropped entries
 * are counted and logged at debug: a shared directory anyone can write to may hold many.
 */
export class EntryVerifier {
  readonly #newest = new Map<string, number>()
  #dropped = 0

  constructor(private readonly logger: Logger) {}

  get dropped(): number {
    return this.#dropped
  }

  verify(stored: StoredEntry): DirectoryEntry | undefined {
    const reason = this.#check(stored)
    if (reason) {
      this.#dropped++
      this.logger.debug(`directory entry "${stored.name}" dropped: ${reason} (${this.#dropped} dropped so far)`)
      return undefined
    }

    this.#newest.set(stored.name, stored.signedAt)
    const {signed: _signed, ...entry} = stored
    return entry
  }

  #check(stored: StoredEntry): string | undefined {
    const decoded = decodeSignedEntry(Buffer.from(stored.signed, 'base64url'))
    if (!decoded.ok) return decoded.reason
    const {content, signed, signature} = decoded.value
    if (!verifySignature(content.publicKey, signed, signature)) return 'its signature does not verify'
    const shown = {name: stored.name, address: stored.address, ports: stored.ports, version: stored.version, publicKey: stored.publicKey, signedAt: stored.signedAt}
    if (!isDeepStrictEqual(shown, content)) return 'its fields differ from the signed ones'
    const newest = this.#newest.get(stored.name)
    if (newest !== undefined && stored.signedAt < newest) return `signed at ${stored.signedAt}, before the newest seen (${newest}): a replay`
    return undefined
  }
}
