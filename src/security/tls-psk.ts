import {hkdfSync} from 'node:crypto'
import type {Socket} from 'node:net'
import {connect as tlsConnect, type TlsOptions, TLSSocket} from 'node:tls'

import {type Clock, realClock} from '../foundation/clock.js'
import {IvcError} from '../foundation/errors.js'

/**
 * Encryption of a call's connections (docs/protocol.md, "Call security"): TLS 1.3 with an external pre-shared key
 * (RFC 8446 §2.2) and nothing else. Only a peer that holds the key completes the handshake, so the key authenticates
 * the connection as well as encrypting it; TLS then gives every record integrity and replay protection, and
 * (psk_dhe_ke) a fresh ephemeral key per connection.
 *
 * Certificates play no part, and must not: a TLS 1.3 server may ignore the offered PSK and authenticate with a
 * certificate instead, which any server holding any publicly trusted certificate could do. So the client refuses
 * every certificate (its identity check always fails) and, once connected, requires that the handshake used the PSK
 * (a "resumed" session in OpenSSL's terms) and that no certificate came with it.
 *
 * What a key is for goes into the key itself, so it serves one client and one server only (RFC 9257 §4): control
 * and media never share one, and a media key is bound to the connection's cleartext hello (kind, stream id, index,
 * count), which an on-path attacker therefore cannot change, nor replay to another receiver, without the handshake
 * failing. Calls go further and give each medium and direction its own secret (src/security/key-share.ts). Call
 * signalling is keyed by its own ephemeral exchange in its hello (src/security/signalling-key.ts), purpose `signalling`.
 */
export type SecureContext = {purpose: 'control'} | {purpose: 'signalling'} | {purpose: 'media'; hello: Buffer}

const CIPHERS = 'TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256'
const identity = (context: SecureContext) => `ivc-${context.purpose}-v2`

/** The pre-shared key of one use: HKDF-SHA256 of the secret, with the purpose (and a media connection's hello) as info. */
export function pskFor(secret: string, context: SecureContext): Buffer {
  const info = Buffer.concat([Buffer.from(`ivc tls psk ${identity(context)}`, 'latin1'), context.purpose === 'media' ? context.hello : Buffer.alloc(0)])
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), info, 32))
}

export class HandshakeError extends Error {
  constructor(
    message: string,
    /** `refused`: the peer does not hold the same key (or is not ivc), or closed; `timeout`: it never answered. */
    readonly kind: 'refused' | 'timeout',
  ) {
    super(message)
    this.name = 'HandshakeError'
  }
}

/** Client side: run TLS over `socket` (already connected, nothing of ours still reading it). */
export async function secureClient(socket: Socket, secret: string, context: SecureContext, timeoutMs: number, clock: Clock = realClock): Promise<TLSSocket> {
  const psk = pskFor(secret, context)
  const tls = tlsConnect({
    socket,
    minVersion: 'TLSv1.3',
    ciphers: CIPHERS,
    pskCallback: () => ({psk, identity: identity(context)}),
    // Called only when the server authenticated with a certificate instead of the key: refuse it, whoever signed it.
    checkServerIdentity: () => new Error('the peer offered a certificate instead of the shared key'),
  })
  const secured = await handshake(tls, 'secureConnect', timeoutMs, timeoutMs, clock)
  if (!secured.isSessionReused() || Object.keys(secured.getPeerCertificate()).length > 0) {
    secured.destroy()
    throw new HandshakeError('the peer did not use the shared key', 'refused')
  }

  return secured
}

/** What a client's failed handshake with the peer at `where` means to the person: AUTH_FAILED or PEER_UNREACHABLE. */
export function clientHandshakeError(error: unknown, where: string): IvcError {
  if (error instanceof HandshakeError && error.kind === 'refused') return new IvcError('AUTH_FAILED', `${where} refused our key: ${error.message}`)
  return new IvcError('PEER_UNREACHABLE', `${where}: ${(error as Error).message}`)
}

/**
 * Server side: run TLS over an accepted `socket`. It has no certificate, so only a PSK handshake can complete. The
 * secret may still be on its way (a component started before its call was agreed): waiting for it counts against
 * the same bound as the handshake.
 */
export async function secureServer(socket: Socket, secret: string | Promise<string>, context: SecureContext, timeoutMs: number, clock: Clock = realClock): Promise<TLSSocket> {
  const started = clock.now()
  let key: string
  try {
    key = await within(secret, timeoutMs, clock)
  } catch (error) {
    socket.destroy()
    throw error
  }

  const psk = pskFor(key, context)
  // TLSSocket takes a server's pskCallback as tls.createServer does, though its option type leaves it out.
  const options: TlsOptions & {isServer: true} = {
    isServer: true,
    minVersion: 'TLSv1.3',
    ciphers: CIPHERS,
    pskCallback: (_socket, offered) => (offered === identity(context) ? psk : null),
  }
  const tls = new TLSSocket(socket, options)
  return handshake(tls, 'secure', timeoutMs, Math.max(1, timeoutMs - (clock.now() - started)), clock)
}

async function within(secret: string | Promise<string>, timeoutMs: number, clock: Clock): Promise<string> {
  if (typeof secret === 'string') return secret
  let timer: unknown
  const late = new Promise<never>((_, reject) => (timer = clock.setTimeout(() => reject(new HandshakeError(`no key for the TLS handshake within ${timeoutMs} ms`, 'timeout')), timeoutMs)))
  try {
    return await Promise.race([secret, late])
  } finally {
    clock.clearTimeout(timer)
  }
}

/** The handshake, within what is left (`leftMs`) of the bound (`timeoutMs`, which the message names). */
function handshake(tls: TLSSocket, done: 'secure' | 'secureConnect', timeoutMs: number, leftMs: number, clock: Clock): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const finish = (error?: HandshakeError) => {
      clock.clearTimeout(timer)
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
    const timer = clock.setTimeout(() => finish(new HandshakeError(`no TLS handshake within ${timeoutMs} ms`, 'timeout')), leftMs)
    tls.once(done, onSecure)
    tls.on('error', onError)
    tls.once('close', onClose)
  })
}

/** OpenSSL's messages run over several lines with source paths; its code names the reason in one word. */
function tlsReason(error: NodeJS.ErrnoException): string {
  if (error.code === 'ERR_SSL_BINDER_DOES_NOT_VERIFY' || error.code === 'ERR_SSL_SSLV3_ALERT_ILLEGAL_PARAMETER') return 'the two ends hold different keys'
  return error.message.startsWith('the peer offered a certificate') ? error.message : (error.code ?? error.message.split('\n')[0])
}
