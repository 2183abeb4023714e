import {createHash} from 'node:crypto'

/**
 * The hash of a call's set-up (docs/protocol.md, "Call security", 6): of the invite and the accept, as each side
 * sent or received them. The call secret covers the call id, the names and the key shares, but not the rest of the
 * set-up (the address, the ports, which streams, their formats); a man in the middle who leaves the shares alone could
 * change those. The control key is derived from this hash too (key-share.ts, callKey), so the control connection's
 * TLS handshake, whose Finished messages are MACs under keys from that key (RFC 8446 §4.4.4), fails unless both sides
 * saw the same invite and the same accept: the handshake is the confirmation, like TLS's Finished or Noise's
 * handshake hash.
 */

/** SHA-256 (64 hex digits) of one signalling message: canonical JSON, keys sorted at every level. */
export function messageHash(message: object): string {
  return createHash('sha256').update(canonicalJson(message)).digest('hex')
}

/** The set-up hash (64 hex digits) from the hashes of the invite and of the accept, in that order. */
export function setupHash(inviteHash: string, acceptHash: string): string {
  return createHash('sha256').update('ivc set-up v1\0').update(Buffer.from(inviteHash, 'hex')).update(Buffer.from(acceptHash, 'hex')).digest('hex')
}

/** JSON with object keys sorted (arrays keep their order; undefined members are left out, as JSON.stringify does). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, member]) => member !== undefined)
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`).join(',')}}`
  }

  return JSON.stringify(value)
}
