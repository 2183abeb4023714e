import type {Socket} from 'node:net'
import type {TLSSocket} from 'node:tls'

import {type Clock, realClock} from '../foundation/clock.js'
import {IvcError} from '../foundation/errors.js'
import {decodeSignalHello, encodeSignalHello, HELLO_BYTES, HELLO_VERSION, type HelloRole} from '../protocol/call/hello.js'
import {newKeyShare} from '../security/key-share.js'
import {signallingKeys} from '../security/signalling-key.js'
import {clientHandshakeError, secureClient, secureServer} from '../security/tls-psk.js'

/**
 * The start of every call signalling connection (docs/protocol.md, "Signalling hello"): the caller sends its hello,
 * the callee answers with its own, both derive the connection's key and channel from the two fresh X25519 keys
 * (security/signalling-key.ts), and TLS 1.3 keyed by it (security/tls-psk.ts, purpose `signalling`) carries
 * everything after. Nothing here knows who is at the other end: the callee's proof and the caller's signed invite,
 * both over `channel`, say that (call/signal-proof.ts).
 */
export interface SecuredSignalling {
  socket: TLSSocket
  /** SHA-256 of both hellos (64 hex digits). */
  channel: string
}

/** The caller's side, on a connected socket: PROTOCOL_ERROR for a bad hello, PEER_UNREACHABLE when none comes in time. */
export async function helloAsCaller(socket: Socket, where: string, timeoutMs: number, clock: Clock = realClock): Promise<SecuredSignalling> {
  const deadline = clock.now() + timeoutMs
  const own = newKeyShare()
  const ours = encodeSignalHello({role: 'caller', key: Buffer.from(own.publicKey, 'base64url')})
  socket.write(ours)
  const theirs = await readHello(socket, 'callee', where, deadline, clock)
  const keys = derive(own, ours, theirs, 'caller', where, socket)
  const tls = await secureClient(socket, keys.key, {purpose: 'signalling'}, Math.max(1, deadline - clock.now()), clock).catch((error: unknown) => {
    throw clientHandshakeError(error, where)
  })
  return {socket: tls, channel: keys.channel}
}

/** The callee's side, on an accepted socket: it answers only a valid caller's hello. */
export async function helloAsCallee(socket: Socket, where: string, timeoutMs: number, clock: Clock = realClock): Promise<SecuredSignalling> {
  const deadline = clock.now() + timeoutMs
  const theirs = await readHello(socket, 'caller', where, deadline, clock)
  const own = newKeyShare()
  const ours = encodeSignalHello({role: 'callee', key: Buffer.from(own.publicKey, 'base64url')})
  const keys = derive(own, theirs, ours, 'callee', where, socket)
  socket.write(ours)
  const tls = await secureServer(socket, keys.key, {purpose: 'signalling'}, Math.max(1, deadline - clock.now()), clock).catch((error: Error) => {
    throw new IvcError('AUTH_FAILED', `${where}: ${error.message}`)
  })
  return {socket: tls, channel: keys.channel}
}

function derive(own: ReturnType<typeof newKeyShare>, callerHello: Buffer, calleeHello: Buffer, role: HelloRole, where: string, socket: Socket) {
  const share = (hello: Buffer) => hello.subarray(8).toString('base64url')
  try {
    return signallingKeys(own, {callerShare: share(callerHello), calleeShare: share(calleeHello), hellos: Buffer.concat([callerHello, calleeHello])}, role)
  } catch (error) {
    socket.destroy()
    throw new IvcError('PROTOCOL_ERROR', `${where}: the hello carries ${(error as Error).message}`)
  }
}

/**
 * Read the peer's hello (exactly 40 bytes: nothing may follow it before TLS, which waits for our hello) by the
 * deadline; leaves the socket paused with no listeners of ours, for TLS to take over.
 */
function readHello(socket: Socket, role: HelloRole, where: string, deadline: number, clock: Clock): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0)
    const finish = (error: IvcError | undefined) => {
      clock.clearTimeout(timer)
      socket.off('data', onData)
      socket.off('error', onError)
      socket.off('close', onClose)
      socket.pause()
      if (!error) return resolve(received)
      socket.destroy()
      reject(error)
    }

    const timer = clock.setTimeout(() => finish(new IvcError('PEER_UNREACHABLE', `${where}: no signalling hello in time`)), Math.max(1, deadline - clock.now()))
    const onError = (error: NodeJS.ErrnoException) => finish(new IvcError('PEER_UNREACHABLE', `${where}: ${error.code ?? error.message}`, {cause: error}))
    // An ivc of another signalling version closes on the hello's magic (before 5) or version byte: say so, since
    // nothing else would tell the person.
    const onClose = () => finish(new IvcError('PEER_UNREACHABLE', `${where} closed the connection during the signalling hello (an ivc that does not speak signalling ${HELLO_VERSION} does)`))
    const onData = (chunk: Buffer) => {
      // Never more than one hello is held: a peer that sends more is refused below.
      received = Buffer.concat([received, chunk.subarray(0, HELLO_BYTES + 1 - received.length)])
      const hello = decodeSignalHello(received)
      if (hello === undefined) return
      if (!hello.ok) return finish(new IvcError('PROTOCOL_ERROR', `${where}: signalling hello: ${hello.reason}`))
      if (hello.value.role !== role) return finish(new IvcError('PROTOCOL_ERROR', `${where}: signalling hello from a ${hello.value.role}, expected the ${role}'s`))
      if (hello.rest.length > 0) return finish(new IvcError('PROTOCOL_ERROR', `${where}: bytes after the signalling hello before TLS`))
      finish(undefined)
    }

    socket.on('error', onError)
    socket.on('close', onClose)
    socket.on('data', onData)
    socket.resume()
  })
}
