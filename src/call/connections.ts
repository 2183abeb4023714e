import {createServer, type Server} from 'node:net'

import {IvcError} from '../foundation/errors.js'
import type {ControlMessage} from '../protocol/call/control.js'
import type {Logger} from '../foundation/logger.js'
import {signalCodec, type SignalMessage} from '../protocol/call/signalling.js'
import {secureServer} from '../security/tls-psk.js'
import type {Clock} from '../foundation/clock.js'
import {FramedConnection, type FramedOptions} from './signalling.js'

/** A connection that has not completed TLS by then is dropped (as the control auth is bounded). */
const TLS_HANDSHAKE_TIMEOUT_MS = 5000

export type SignalConnection = FramedConnection<SignalMessage>
export type ControlConnection = FramedConnection<ControlMessage>

export interface FramedListener {
  /** The port actually bound (useful with port 0). */
  port: number
  server: Server
  /** Stop accepting; open connections are left to their owners. */
  close(): Promise<void>
}

/**
 * Listen for framed peer connections (the call listener on --port, or the callee's control port). Each accepted
 * socket becomes a FramedConnection handed to `onConnection`; a port in use is PORT_IN_USE. With `secret`, each
 * connection must first complete TLS keyed by it; one that does not is closed and logged. (A promise: the key comes
 * once the call is agreed; connections wait for it within the handshake bound.)
 */
export function listenFramed<M extends {type: string}>(
  options: FramedOptions<M> & {host?: string; port: number; secret?: string | Promise<string>; onConnection: (connection: FramedConnection<M>) => void},
): Promise<FramedListener> {
  const {host = '0.0.0.0', port, secret, onConnection, ...framed} = options
  const server = createServer((socket) => {
    if (secret === undefined) return onConnection(new FramedConnection<M>(socket, framed))
    const remote = `${socket.remoteAddress}:${socket.remotePort}`
    socket.on('error', () => undefined)
    secureServer(socket, secret, {purpose: 'control'}, TLS_HANDSHAKE_TIMEOUT_MS, framed.clock).then(
      (tls) => onConnection(new FramedConnection<M>(tls, framed)),
      (error: Error) => framed.logger.warn(`${framed.codec.spec.protocol}: refused a connection from ${remote}: ${error.message}`),
    )
  })
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new IvcError('PORT_IN_USE', `port ${port} is already in use`) : error)
    })
    server.listen(port, host, () => {
      server.removeAllListeners('error')
      server.on('error', (error) => framed.logger.warn(`listener on port ${port}: ${error.message}`))
      const address = server.address()
      resolve({
        port: typeof address === 'object' && address ? address.port : port,
        server,
        close: () => new Promise<void>((done) => server.close(() => done())),
      })
    })
  })
}

export const SIGNAL_KEEPALIVE = {intervalMs: 1000, timeoutMs: 5000}

/** What the call driver needs of one signalling connection (a SignalConnection has it all). */
export interface SignalLink {
  send(message: SignalMessage): unknown
  onMessage(listener: (message: SignalMessage) => void): unknown
  /** Close once what was sent is flushed. */
  close(reason: string): Promise<unknown>
  /** Close at once. */
  destroy(reason: string): void
  /** Resolves when the connection is closed, by either side, with why. */
  closed: Promise<{reason: string}>
}

/** Where the call driver's signalling connections come from: TCP between hosts (tcpSignalling), or memory in tests. */
export interface SignalNetwork {
  /** Accept calls on `port` (0: any free one), each connection handed to `onConnection`. */
  listen(port: number, onConnection: (link: SignalLink) => void): Promise<{port: number; close(): Promise<void>}>
  /** Rejects with why when the peer cannot be reached. */
  connect(host: string, port: number): Promise<SignalLink>
}

/** Call signalling over TCP: framed with the signalling codec, kept alive, the keepalive timed by `clock`. */
export function tcpSignalling(logger: Logger, clock: Clock): SignalNetwork {
  const framed = {codec: signalCodec, logger, keepalive: SIGNAL_KEEPALIVE, clock}
  return {
    listen: (port, onConnection) => listenFramed<SignalMessage>({...framed, port, onConnection}),
    connect: (host, port) => FramedConnection.connect<SignalMessage>(host, port, framed),
  }
}
