import {createServer, type Server} from 'node:net'

import {IvcError} from '../cli/errors.js'
import type {ControlMessage} from '../protocol/call/control.js'
import type {SignalMessage} from '../protocol/call/signalling.js'
import {secureServer} from '../security/tls-psk.js'
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
    secureServer(socket, secret, {purpose: 'control'}, TLS_HANDSHAKE_TIMEOUT_MS).then(
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
