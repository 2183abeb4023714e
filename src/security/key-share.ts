import {createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync} from 'node:crypto'

/**
 * The call's key agreement (docs/protocol.md, "Call security"). Each side of a call makes a fresh X25519 key pair:
 * the caller's public half travels in the invite, the callee's in the accept. Both compute the same shared secret,
 * and from it, bound to the call's id and both names and both public keys (the transcript), the call secret that
 * opens and encrypts every media and control connection of the call. Nothing secret ever crosses the wire, and the
 * key pair is thrown away with the call, so a later leak of anything cannot decrypt a recorded call.
 */

/** A public key on the wire: the 32 raw bytes of an X25519 key, base64url without padding (43 characters). */
export const KEY_SHARE_PATTERN = /^[A-Za-z0-9_-]{43}$/

export interface KeyShare {
  /** Goes into the invite or the accept. */
  publicKey: string
  /** Stays with this side; base64url of the raw 32-byte scalar. */
  privateKey: string
}

export function newKeyShare(): KeyShare {
  const pair = generateKeyPairSync('x25519')
  return {publicKey: pair.publicKey.export({format: 'jwk'}).x!, privateKey: pair.privateKey.export({format: 'jwk'}).d!}
}

export interface CallTranscript {
  callId: string
  caller: string
  callee: string
  callerShare: string
  calleeShare: string
}

/**
 * The call secret (64 lower-case hex digits) from our private key and the peer's public key. Our `role` is passed,
 * never guessed from which share is ours, so the transcript must have our share in our role's place. Throws a
 * RangeError for a peer key that is malformed or of low order (the shared secret would be all zeros, known to
 * anyone), or equal to ours (a share reflected back: no peer made a key pair).
 */
export function deriveCallSecret(own: KeyShare, transcript: CallTranscript, role: 'caller' | 'callee'): string {
  const shared = sharedSecret(own, {callerShare: transcript.callerShare, calleeShare: transcript.calleeShare}, role)
  const {callId, caller, callee, callerShare, calleeShare} = transcript
  const salt = createHash('sha256').update(['ivc call v1', callId, caller, callee, callerShare, calleeShare].join('\0')).digest()
  return Buffer.from(hkdfSync('sha256', shared, salt, 'ivc call secret', 32)).toString('hex')
}

/**
 * The X25519 shared secret of our key pair and the peer's share, for `role`, whose share in `shares` must be ours.
 * Throws a RangeError for a peer share that is malformed, ours (reflected back) or of low order.
 */
export function sharedSecret(own: KeyShare, shares: {callerShare: string; calleeShare: string}, role: 'caller' | 'callee'): Buffer {
  const ours = own.publicKey
  const [mine, peerShare] = role === 'caller' ? [shares.callerShare, shares.calleeShare] : [shares.calleeShare, shares.callerShare]
  if (!KEY_SHARE_PATTERN.test(peerShare) || !KEY_SHARE_PATTERN.test(ours)) throw new RangeError('a key share is not 43 base64url characters')
  if (mine !== ours) throw new RangeError(`the transcript's ${role} share is not ours`)
  if (peerShare === ours) throw new RangeError('the peer\'s key share is our own')
  let shared: Buffer
  try {
    shared = diffieHellman({
      privateKey: createPrivateKey({key: {kty: 'OKP', crv: 'X25519', d: own.privateKey, x: ours}, format: 'jwk'}),
      publicKey: createPublicKey({key: {kty: 'OKP', crv: 'X25519', x: peerShare}, format: 'jwk'}),
    })
  } catch (error) {
    throw new RangeError(`the peer's key share is unusable: ${(error as Error).message}`)
  }

  if (shared.every((byte) => byte === 0)) throw new RangeError('the peer\'s key share is of low order')
  return shared
}

/**
 * What one component of a call uses the call secret for: the control connection, or one medium in one direction. The
 * control key is also bound to the hash of the call's set-up (setup-hash.ts), so its handshake confirms the set-up.
 */
export type CallKeyUse = {purpose: 'control'; setupHash: string} | {purpose: 'media'; kind: 'video' | 'audio'; from: string; to: string}

/** The fixed salt of the control key's HKDF (RFC 5869 §3.1: a non-secret constant is fine; the context is in info). */
const CONTROL_KEY_SALT = Buffer.from('ivc call control key salt v1', 'latin1')

/**
 * The key a call component gets in place of the call secret (64 hex digits), one per use: each component holds
 * only what its own connections need, and each key serves one client and one server (RFC 9257 §4). So alice's video
 * to bob, reflected by an on-path attacker back to alice's own video receiver (which expects bob's key), fails the
 * handshake instead of being shown as bob's. Usernames cannot contain ">", so no two uses share a label.
 */
export function callKey(callSecret: string, use: CallKeyUse): string {
  const secret = Buffer.from(callSecret, 'hex')
  if (use.purpose === 'control') {
    if (!/^[0-9a-f]{64}$/.test(use.setupHash)) throw new RangeError('a set-up hash is 64 hex digits')
    return Buffer.from(hkdfSync('sha256', secret, CONTROL_KEY_SALT, `ivc call key control ${use.setupHash}`, 32)).toString('hex')
  }

  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `ivc call key media ${use.kind} ${use.from}>${use.to}`, 32)).toString('hex')
}
