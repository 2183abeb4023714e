import {createHash, hkdfSync} from 'node:crypto'

import {type KeyShare, sharedSecret} from './key-share.js'

/**
 * The key of a call's signalling connection (docs/protocol.md, "Signalling hello"). Each side sends a fresh X25519
 * public key in its cleartext hello; from the X25519 shared secret both derive the key of the TLS that carries
 * everything else, and the connection's **channel**: a hash of both hellos that the callee's identity proof and the
 * caller's signed invite cover, so a relay that answers each side with hellos of its own is caught (the signatures
 * are over a channel the other side never saw). The hello keys are unauthenticated by themselves: the identity keys
 * authenticate them, inside, through the channel.
 */

/** HKDF's salt: a fixed, public constant (RFC 5869 §3.1); the context goes into info. */
const SIGNALLING_KEY_SALT = Buffer.from('ivc signalling key salt v1', 'latin1')

export interface HelloTranscript {
  /** The two hello keys as base64url key shares (43 characters). */
  callerShare: string
  calleeShare: string
  /** Both hellos as they were sent, the caller's first: what the key and the channel are bound to. */
  hellos: Buffer
}

export interface SignallingKeys {
  /** The key of the connection's TLS (64 hex digits; tls-psk.ts derives the PSK from it, purpose `signalling`). */
  key: string
  /** SHA-256 of both hellos (64 hex digits): what the identity proof and the invite's signature cover. */
  channel: string
}

/**
 * Our `role` is passed, never guessed: the transcript must hold our own share in its place. Throws a RangeError for
 * a peer share that is ours (reflected), malformed or of low order (security/key-share.ts sharedSecret).
 */
export function signallingKeys(own: KeyShare, transcript: HelloTranscript, role: 'caller' | 'callee'): SignallingKeys {
  const shared = sharedSecret(own, transcript, role)
  const info = Buffer.concat([Buffer.from('ivc signalling 6 key\0', 'latin1'), transcript.hellos])
  const key = Buffer.from(hkdfSync('sha256', shared, SIGNALLING_KEY_SALT, info, 32)).toString('hex')
  return {key, channel: helloChannel(transcript.hellos)}
}

/** The channel of a signalling connection: SHA-256 of a label and both hellos (64 hex digits). */
export function helloChannel(hellos: Buffer): string {
  return createHash('sha256').update('ivc signalling 6 channel\0').update(hellos).digest('hex')
}
