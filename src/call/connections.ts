import {createServer, type Server, type Socket} from 'node:net'

import {IvcError} from '../foundation/errors.js'
import type {ControlMessage} from '../protocol/call/control.js'
import type {Logger} from '../foundation/logger.js'
import {signalCodec, type SignalMessage} from '../protocol/call/signalling.js'
import {Admission, type AdmissionLimits, type AdmissionStats, dropLog, FRAMED_ADMISSION} from '../security/admission.js'
import type {Identity} from '../security/identity.js'
import {secureServer} from '../security/tls-psk.js'
import {type Clock, realClock} from '../foundation/clock.js'
import type {MessageCodec} from '../protocol/call/codec.js'
import {DEFAULT_STALL_TIMEOUT_MS, type LivenessChange, STALLED_AFTER_MS} from '../transport/liveness.js'
import {FramedConnection, type FramedOptions} from '../transport/framed-connection.js'
import {listenTarget} from '../transport/handed-port.js'
import {helloAsCallee, helloAsCaller} from '../transport/signal-hello.js'
import {tcpConnect} from '../transport/tcp-connect.js'
import {awaitProof, proofOf} from './signal-proof.js'

/** A connection that has not completed TLS by then is dropped (as the control auth is bounded). */
const TLS_HANDSHAKE_TIMEOUT_MS = 5000

export type SignalConnection = FramedConnection<SignalMessage>
export type ControlConnection = FramedConnection<ControlMessage>

export interface FramedListener {
  /** The port actually bound (useful with port 0). */
  port: number
  server: Server
  /** What the listener's admission refused or dropped so far (security/admission.ts). */
  readonly admission: AdmissionStats
  /** Stop accepting; open connections are left to their owners. */
  close(): Promise<void>
}

/**
 * Listen for framed peer connections (the call listener on --port, or the callee's control port) on `host` (all
 * interfaces only when the caller says so: 0.0.0.0 or ::). Each accepted socket becomes a FramedConnection handed to
 * `onConnection`; a port in use is PORT_IN_USE. With `secret`, each connection must first complete TLS keyed by it;
 * one that does not is closed and logged. (A promise: the key comes once the call is agreed; connections wait for it
 * within the handshake bound.) With `secure` instead, each socket goes through it first (the signalling hello and its
 * TLS), and its `channel` is handed on with the connection. Until its first message other than a keepalive, a
 * connection is pending: `admission` bounds how many may be, per source and in all, and for how long
 * (security/admission.ts); what it refuses is closed unread.
 */
export function listenFramed<M extends {type: string}>(
  options: FramedOptions<M> & {
    host: string
    port: number
    secret?: string | Promise<string>
    secure?: (socket: Socket, remote: string) => Promise<{socket: Socket; channel: string}>
    admission?: AdmissionLimits
    onConnection: (connection: FramedConnection<M>, channel?: string) => void
  },
): Promise<FramedListener> {
  const {host, port, secret, secure, onConnection, admission: limits = FRAMED_ADMISSION, ...framed} = options
  const protocol = framed.codec.spec.protocol
  const admission = new Admission(limits, framed.clock ?? realClock)
  const drops = dropLog(framed.logger, protocol)
  const server = createServer((socket) => {
    const source = socket.remoteAddress ?? 'unknown'
    const remote = `${source}:${socket.remotePort}`
    socket.on('error', () => undefined)
    let connection: FramedConnection<M> | undefined
    const admitted = admission.admit(source, (reason) => {
      drops.note('expired', `dropped ${remote}: ${reason}`)
      if (connection) connection.destroy(`dropped: ${reason}`)
      else socket.destroy()
    })
    if (!admitted.admitted) {
      drops.note('refused', `refused ${remote}: ${admitted.reason}`)
      return socket.destroy()
    }

    const pending = admitted.connection
    socket.once('close', () => pending.gone())
    const codec = reportingFirstMessage(framed.codec, () => pending.authenticated())
    const adopt = (wire: Socket, channel?: string) => {
      connection = new FramedConnection<M>(wire, {...framed, codec})
      onConnection(connection, channel)
    }

    if (secure) {
      return void secure(socket, remote).then(
        (secured) => adopt(secured.socket, secured.channel),
        (error: Error) => {
          pending.gone()
          framed.logger.warn(`${protocol}: refused a connection from ${remote}: ${error.message}`)
        },
      )
    }

    if (secret === undefined) return adopt(socket)
    secureServer(socket, secret, {purpose: 'control'}, TLS_HANDSHAKE_TIMEOUT_MS, framed.clock).then(adopt, (error: Error) => {
      pending.gone()
      framed.logger.warn(`${protocol}: refused a connection from ${remote}: ${error.message}`)
    })
  })
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new IvcError('PORT_IN_USE', `port ${port} is already in use`) : error)
    })
    server.listen(listenTarget(port, host), () => {
      server.removeAllListeners('error')
      server.on('error', (error) => framed.logger.warn(`listener on port ${port}: ${error.message}`))
      const address = server.address()
      resolve({
        port: typeof address === 'object' && address ? address.port : port,
        server,
        get admission() {
          return admission.stats
        },
        close: () => new Promise<void>((done) => server.close(() => done())),
      })
    })
  })
}

/** The same codec, telling `onFirst` once the first message that is not a keepalive has been decoded whole. */
function reportingFirstMessage<M extends {type: string}>(codec: MessageCodec<M>, onFirst: () => void): MessageCodec<M> {
  return {
    ...codec,
    decoder() {
      const decoder = codec.decoder()
      let told = false
      return {
        get buffered() {
          return decoder.buffered
        },
        push(chunk) {
          const step = decoder.push(chunk)
          if (!told && step.messages.some((message) => message.type !== 'keepalive' && message.type !== 'keepalive-ack')) {
            told = true
            onFirst()
          }

          return step
        },
        end: () => decoder.end(),
      }
    },
  }
}

/** Signalling keepalives: every second; stalled after 2 s of silence, gone after the stall timeout. */
export function signalKeepalive(stallTimeoutMs = DEFAULT_STALL_TIMEOUT_MS) {
  return {intervalMs: 1000, stalledAfterMs: STALLED_AFTER_MS, timeoutMs: stallTimeoutMs}
}

/** What the call driver needs of one signalling connection. */
export interface SignalLink {
  /** The connection's channel (the hash of both hellos, 64 hex digits): the invite's signature covers it. */
  readonly channel: string
  send(message: SignalMessage): unknown
  onMessage(listener: (message: SignalMessage) => void): unknown
  /** Close once what was sent is flushed. */
  close(reason: string): Promise<unknown>
  /** Close at once. */
  destroy(reason: string): void
  /** Resolves when the connection is closed, by either side, with why. */
  closed: Promise<{reason: string}>
  /** Hears when the peer stalls (silent for a while) and when it is heard again; links without keepalives have none. */
  onLiveness?(listener: (change: Exclude<LivenessChange, {kind: 'gone'}>) => void): unknown
}

/** Where the call driver's signalling connections come from: TCP between hosts (tcpSignalling), or memory in tests. */
export interface SignalNetwork {
  /** Accept calls on `port` (0: any free one), each connection handed to `onConnection`. */
  listen(port: number, onConnection: (link: SignalLink) => void): Promise<{port: number; close(): Promise<void>}>
  /**
   * Resolves once the callee has proven `peerKey` (its identity key) over the connection; rejects with why when the
   * peer cannot be reached, and AUTH_FAILED when another key, or nothing bound to this connection, answers.
   */
  connect(host: string, port: number, peerKey: string): Promise<SignalLink>
}

/**
 * Call signalling over TCP: each connection opens with the cleartext hello and runs TLS keyed by it
 * (transport/signal-hello.ts), then the callee proves its identity key over the connection's channel
 * (signal-proof.ts); framed with the signalling codec, kept alive, the keepalive timed by `clock`. Calls are accepted
 * on `bindHost` (the address this user advertises, unless told otherwise: flags.ts `bindAddress`); a peer silent for
 * `stallTimeoutMs` is given up (a stall shorter than that is only reported).
 */
export function tcpSignalling(options: {logger: Logger; clock: Clock; bindHost: string; identity: Identity; stallTimeoutMs?: number}): SignalNetwork {
  const {logger, clock, bindHost, identity} = options
  const framed = {codec: signalCodec, logger, keepalive: signalKeepalive(options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS), clock}
  const secure = (socket: Socket, remote: string) => helloAsCallee(socket, `signalling with ${remote}`, TLS_HANDSHAKE_TIMEOUT_MS, clock)
  return {
    listen: (port, onConnection) =>
      listenFramed<SignalMessage>({
        ...framed,
        host: bindHost,
        port,
        secure,
        onConnection(connection, channel) {
          connection.send(proofOf(identity, channel!))
          onConnection(signalLink(connection, channel!))
        },
      }),
    async connect(host, port, peerKey) {
      const where = `signalling with ${host}:${port}`
      const socket = await tcpConnect(host, port, TLS_HANDSHAKE_TIMEOUT_MS, clock)
      const secured = await helloAsCaller(socket, where, TLS_HANDSHAKE_TIMEOUT_MS, clock)
      const connection = new FramedConnection<SignalMessage>(secured.socket, {...framed, name: where})
      await awaitProof(connection, peerKey, secured.channel, TLS_HANDSHAKE_TIMEOUT_MS, clock)
      return signalLink(connection, secured.channel)
    },
  }
}

/** A framed signalling connection as the driver's link, with its channel. */
function signalLink(connection: SignalConnection, channel: string): SignalLink {
  return {
    channel,
    send: (message) => connection.send(message),
    onMessage: (listener) => connection.onMessage(listener),
    close: (reason) => connection.close(reason),
    destroy: (reason) => connection.destroy(reason),
    closed: connection.closed,
    onLiveness: (listener) => connection.onLiveness(listener),
  }
}
