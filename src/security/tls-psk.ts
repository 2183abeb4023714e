import {hkdfSync} from 'node:crypto'
import type {Socket} from 'node:net'
import {connect as tlsConnect, type TlsOptions, TLSSocket} from 'node:tls'

import {IvcError} from '../cli/errors.js'

/**
 * Encryption of a call's connections (docs/protocol.md, "Call security"): TLS 1.3 with an external pre-shared key
 * (RFC 8446 §2.2) derived from the call secret, one key per purpose. Only a peer that holds the call secret
 * completes the handshake, so the key authenticates the connection as well as encrypting it; TLS then gives every
 * record integrity and replay protection, and (psk_dhe_ke) a fresh ephemeral key per connection.
 */
export type SecurePurpose = 'media' | 'control'

const CIPHERS = 'TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256'
const identity = (purpose: SecurePurpose) => `ivc-${purpose}-v1`

/** The pre-shared key of one purpose: HKDF-SHA256 of the secret, so media and control never share a key. */
export function pskFor(secret: string, purpose: SecurePurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), `ivc tls psk ${identity(purpose)}`, 32))
}

export class HandshakeError extends Error {
  constructor(
    message: string,
    /** `refused`: the peer does not hold the same secret (or is not ivc), or closed; `timeout`: it never answered. */
    readonly kind: 'refused' | 'timeout',
  ) {
    super(message)
    this.name = 'HandshakeError'
  }
}

/** Client side: run TLS over `socket` (already connected, nothing of ours still reading it). */
export function secureClient(socket: Socket, secret: string, purpose: SecurePurpose, timeoutMs: number): Promise<TLSSocket> {
  const psk = pskFor(secret, purpose)
  const tls = tlsConnect({
    socket,
    minVersion: 'TLSv1.3',
    ciphers: CIPHERS,
    pskCallback: () => ({psk, identity: identity(purpose)}),
    // The key is the peer's identity; there is no certificate to check a host name against.
    checkServerIdentity: () => undefined,
  })
  return handshake(tls, 'secureConnect', timeoutMs)
}

/** What a client's failed handshake with the peer at `where` means to the person: AUTH_FAILED or PEER_UNREACHABLE. */
export function clientHandshakeError(error: unknown, where: string): IvcError {
  if (error instanceof HandshakeError && error.kind === 'refused') return new IvcError('AUTH_FAILED', `${where} refused our key: ${error.message}`)
  return new IvcError('PEER_UNREACHABLE', `${where}: ${(error as Error).message}`)
}

/** Server side: run TLS over an accepted `socket`. */
export function secureServer(socket: Socket, secret: string, purpose: SecurePurpose, timeoutMs: number): Promise<TLSSocket> {
  const psk = pskFor(secret, purpose)
  // TLSSocket takes a server's pskCallback as tls.createServer does, though its option type leaves it out.
  const options: TlsOptions & {isServer: true} = {
    isServer: true,
    minVersion: 'TLSv1.3',
    ciphers: CIPHERS,
    pskCallback: (_socket, offered) => (offered === identity(purpose) ? psk : null),
  }
  const tls = new TLSSocket(socket, options)
  return handshake(tls, 'secure', timeoutMs)
}

function handshake(tls: TLSSocket, done: 'secure' | 'secureConnect', timeoutMs: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const finish = (error?: HandshakeError) => {
      clearTimeout(timer)
      tls.off(done, onSecure)
      tls.off('error', onError)
      tls.off('close', onClose)
      if (!error) return resolve(tls)
      tls.destroy()
      reject(error)
    }

    const onSecure = () => finish()
    const onError = (error: NodeJS.ErrnoException) => finish(new HandshakeError(`TLS handshake failed (${tlsReason(error)})`, 'refused'))
    const onClose = () => finish(new HandshakeError('closed during the TLS handshake', 'refused'))
    const timer = setTimeout(() => finish(new HandshakeError(`no TLS handshake within ${timeoutMs} ms`, 'timeout')), timeoutMs)
    tls.once(done, onSecure)
    tls.on('error', onError)
    tls.once('close', onClose)
  })
}

/** OpenSSL's messages run over several lines with source paths; its code names the reason in one word. */
function tlsReason(error: NodeJS.ErrnoException): string {
  if (error.code === 'ERR_SSL_BINDER_DOES_NOT_VERIFY' || error.code === 'ERR_SSL_SSLV3_ALERT_ILLEGAL_PARAMETER') return 'the two ends hold different secrets'
  return error.code ?? error.message.split('\n')[0]
}
