import type {Socket} from 'node:net'

import {type Clock, realClock, sleep} from '../foundation/clock.js'
import {IvcError} from '../foundation/errors.js'
import {decodeReply, encodeHello, type Hello, type HelloStatus} from '../protocol/media-handshake.js'
import {clientHandshakeError, secureClient} from '../security/tls-psk.js'
import {tcpConnect} from './tcp-connect.js'

/**
 * Open one media connection: TCP connect, send the hello, wait for the receiver's reply; with a secret, then TLS
 * keyed by it and the receiver's second reply inside it. Resolves with the socket (paused, no listeners of ours left
 * on it; a TLSSocket when encrypted) and any bytes that arrived after the reply; rejects with an IvcError that says
 * what the person can do (PEER_UNREACHABLE, AUTH_FAILED, PROTOCOL_ERROR).
 */
export async function openMediaConnection(
  host: string,
  port: number,
  hello: Omit<Hello, 'security'>,
  secret: string | undefined,
  timeoutMs: number,
  clock: Clock = realClock,
): Promise<{socket: Socket; rest: Buffer}> {
  const where = `${host}:${port}`
  const deadline = clock.now() + timeoutMs
  const tcp = await tcpConnect(host, port, timeoutMs, clock)
  try {
    const helloBytes = encodeHello({...hello, security: secret === undefined ? 'none' : 'tls'})
    tcp.write(helloBytes)
    const first = await readReply(tcp, where, deadline, clock)
    if (first.status !== 'ok' || secret === undefined) return settle(where, tcp, first)
    if (first.rest.length > 0) throw new IvcError('PROTOCOL_ERROR', `${where} sent data before the TLS handshake`)
    const tls = await secureClient(tcp, secret, {purpose: 'media', hello: helloBytes}, Math.max(1, deadline - clock.now()), clock).catch((error: unknown) => {
      throw clientHandshakeError(error, where)
    })
    try {
      return settle(where, tls, await readReply(tls, where, deadline, clock))
    } catch (error) {
      tls.destroy()
      throw error
    }
  } catch (error) {
    tcp.destroy()
    throw error
  }
}

function settle(where: string, socket: Socket, reply: {status: HelloStatus; rest: Buffer}): {socket: Socket; rest: Buffer} {
  switch (reply.status) {
    case 'ok':
      // Until the sender attaches its own listeners (once every connection is up), a reset must not crash us.
      socket.on('error', () => undefined)
      return {socket, rest: reply.rest}
    case 'authFailed':
      throw new IvcError('AUTH_FAILED', `${where} refused the stream: a secret must be on both ends or on neither`)
    case 'busy':
      throw new IvcError('PEER_UNREACHABLE', `${where} is busy receiving another stream`)
    default:
      throw new IvcError('PROTOCOL_ERROR', `${where} refused the media handshake as malformed`)
  }
}

/** Read one reply (bounded: 8 bytes) by the deadline; leaves the socket paused with no listeners of ours. */
function readReply(socket: Socket, where: string, deadline: number, clock: Clock): Promise<{status: HelloStatus; rest: Buffer}> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0)
    const finish = (error: IvcError | undefined, reply?: {status: HelloStatus; rest: Buffer}) => {
      clock.clearTimeout(timer)
      socket.off('data', onData)
      socket.off('error', onError)
      socket.off('close', onClose)
      socket.pause()
      if (error) reject(error)
      else resolve(reply!)
    }

    const timer = clock.setTimeout(() => finish(new IvcError('PEER_UNREACHABLE', `${where} did not answer the media handshake in time`)), Math.max(1, deadline - clock.now()))
    const onError = (error: NodeJS.ErrnoException) => finish(new IvcError('PEER_UNREACHABLE', `${where}: ${error.code ?? error.message}`, {cause: error}))
    const onClose = () => finish(new IvcError('PEER_UNREACHABLE', `${where} closed the connection during the media handshake`))
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      const reply = decodeReply(received)
      if (!reply) return
      if (!reply.ok) return finish(new IvcError('PROTOCOL_ERROR', `${where} answered the media handshake with ${reply.reason}`))
      finish(undefined, {status: reply.value, rest: reply.rest})
    }

    socket.on('error', onError)
    socket.on('close', onClose)
    socket.on('data', onData)
    socket.resume()
  })
}

/**
 * Open a connection, trying again while the port refuses it, for `waitMs`: nothing listens there yet (a call starts
 * both sides' components at once, so a peer's receiver or control may still be starting). The first retries come
 * fast (20 ms, growing by half each time to at most 100 ms): a refused connect on loopback or a LAN costs well under
 * a millisecond, and a receiver that starts listening between two tries delays the call by up to one interval.
 */
export async function retryWhileRefused<T>(open: () => Promise<T>, waitMs: number, clock: Clock = realClock): Promise<T> {
  const until = clock.now() + waitMs
  for (let intervalMs = RETRY_FIRST_MS; ; intervalMs = Math.min(RETRY_MAX_MS, Math.round(intervalMs * 1.5))) {
    try {
      return await open()
    } catch (error) {
      const refused = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code === 'ECONNREFUSED'
      if (!refused || clock.now() + intervalMs > until) throw error
      // Nothing else may hold the process while nothing listens yet: this wait keeps it alive (sleep does).
      await sleep(clock, intervalMs)
    }
  }
}

const RETRY_FIRST_MS = 20
const RETRY_MAX_MS = 100
