import {connect, type Socket} from 'node:net'

import {type Clock, realClock} from '../foundation/clock.js'
import {IvcError} from '../foundation/errors.js'
import {connectFailure} from './connect-failure.js'

/**
 * Open a TCP connection within `timeoutMs`, Nagle off (every connection of ivc carries small, urgent messages). A
 * refusal, an unreachable host or the deadline is PEER_UNREACHABLE (connectFailure words it), with the socket error
 * as `cause` (so a caller can tell ECONNREFUSED, which retryWhileRefused waits out, from the rest). Media
 * connections and framed ones (signalling, control) both start here.
 */
export function tcpConnect(host: string, port: number, timeoutMs: number, clock: Clock = realClock): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({host, port})
    socket.setNoDelay(true)
    const fail = (error: IvcError) => {
      clock.clearTimeout(timer)
      socket.destroy()
      reject(error)
    }

    const timer = clock.setTimeout(() => fail(new IvcError('PEER_UNREACHABLE', `cannot connect to ${host}:${port}: no answer within ${timeoutMs} ms`)), timeoutMs)
    const onError = (error: NodeJS.ErrnoException) => fail(connectFailure(host, port, error))
    socket.once('error', onError)
    socket.once('connect', () => {
      clock.clearTimeout(timer)
      socket.off('error', onError)
      resolve(socket)
    })
  })
}
