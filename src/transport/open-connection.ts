import {connect, type Socket} from 'node:net'

import {IvcError} from '../cli/errors.js'
import {decodeReply, encodeHello, type Hello} from '../protocol/media-handshake.js'

/**
 * Open one media connection: TCP connect, send the hello, wait for the receiver's reply. Resolves with the socket
 * (paused, no listeners of ours left on it) and any bytes that arrived after the reply; rejects with an IvcError that
 * says what the person can do (PEER_UNREACHABLE, AUTH_FAILED, PROTOCOL_ERROR).
 */
export function openMediaConnection(host: string, port: number, hello: Hello, timeoutMs: number): Promise<{socket: Socket; rest: Buffer}> {
  return new Promise((resolve, reject) => {
    const socket = connect({host, port})
    socket.setNoDelay(true)
    let received = Buffer.alloc(0)
    let settled = false
    const finish = (error: IvcError | undefined, rest?: Buffer) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.off('data', onData)
      socket.off('error', onError)
      socket.off('close', onClose)
      if (error) {
        socket.destroy()
        reject(error)
      } else {
        socket.pause()
        resolve({socket, rest: rest ?? Buffer.alloc(0)})
      }
    }

    const timer = setTimeout(() => finish(new IvcError('PEER_UNREACHABLE', `${host}:${port} did not answer the media handshake within ${timeoutMs} ms`)), timeoutMs)
    const onError = (error: NodeJS.ErrnoException) =>
      finish(new IvcError('PEER_UNREACHABLE', `cannot connect to ${host}:${port}: ${error.code ?? error.message}`, {cause: error}))
    const onClose = () => finish(new IvcError('PEER_UNREACHABLE', `${host}:${port} closed the connection during the media handshake`))
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      const reply = decodeReply(received)
      if (reply.status === 'incomplete') return
      if (reply.status === 'error') return finish(new IvcError('PROTOCOL_ERROR', `${host}:${port} answered the media handshake with ${reply.reason}`))
      switch (reply.value) {
        case 'ok':
          return finish(undefined, reply.rest)
        case 'authFailed':
          return finish(new IvcError('AUTH_FAILED', `${host}:${port} refused the stream's token`))
        case 'busy':
          return finish(new IvcError('PEER_UNREACHABLE', `${host}:${port} is busy receiving another stream`))
        default:
          return finish(new IvcError('PROTOCOL_ERROR', `${host}:${port} refused the media handshake as malformed`))
      }
    }

    socket.on('error', onError)
    socket.on('close', onClose)
    socket.on('data', onData)
    socket.once('connect', () => socket.write(encodeHello(hello)))
  })
}
