import {createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify} from 'node:crypto'

/**
 * A user's identity: an Ed25519 key pair (docs/protocol.md, "Identity keys"). The public half names the user to
 * peers (in the directory entry, in the invite and accept); the private half signs those and never leaves the
 * user's config directory. Keys travel as their 32 raw bytes in base64url without padding (43 characters).
 */
export const PUBLIC_KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/
/** An Ed25519 signature: 64 bytes as base64url without padding (86 characters). */
export const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{86}$/

export interface Identity {
  /** 43 base64url characters. */
  readonly publicKey: string
  sign(data: Uint8Array): string
}

/** The PKCS#8 DER prefix of an Ed25519 private key (RFC 8410): the 32-byte seed follows it. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
/** The SPKI DER prefix of an Ed25519 public key (RFC 8410): the 32 raw bytes follow it. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

export function newIdentitySeed(): Buffer {
  const pair = generateKeyPairSync('ed25519')
  return Buffer.from(pair.privateKey.export({format: 'jwk'}).d!, 'base64url')
}

/** The identity of a 32-byte seed (the private key). */
export function identityFromSeed(seed: Uint8Array): Identity {
  if (seed.length !== 32) throw new RangeError(`an Ed25519 private key is 32 bytes, not ${seed.length}`)
  const privateKey: KeyObject = createPrivateKey({key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8'})
  const publicKey = createPublicKey(privateKey).export({format: 'jwk'}).x!
  return {publicKey, sign: (data) => sign(null, data, privateKey).toString('base64url')}
}

/** Whether `signature` is `publicKey`'s over `data`; false for any malformed key or signature, never a throw. */
export function verifySignature(publicKey: string, data: Uint8Array, signature: string): boolean {
  if (!PUBLIC_KEY_PATTERN.test(publicKey) || !SIGNATURE_PATTERN.test(signature)) return false
  try {
    const key = createPublicKey({key: Buffer.concat([SPKI_PREFIX, Buffer.from(publicKey, 'base64url')]), format: 'der', type: 'spki'})
    return verify(null, data, key, Buffer.from(signature, 'base64url'))
  } catch {
    return false
  }
}

/** How a person compares keys, as SSH shows them: `SHA256:` and the base64 of the key's SHA-256, unpadded. */
export function fingerprint(publicKey: string): string {
  return `SHA256:${createHash('sha256').update(Buffer.from(publicKey, 'base64url')).digest('base64').replace(/=+$/, '')}`
}
