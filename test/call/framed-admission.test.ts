import {once} from 'node:events'
import {connect, type Socket} from 'node:net'

import {describe, expect, it} from 'vitest'

import {listenFramed, type SignalConnection} from '../../src/call/connections.js'
import {signalCodec, type SignalMessage} from '../../src/protocol/call/signalling.js'
import {signalFixtures} from '../protocol/call/fixtures.js'
import {FakeClock} from '../support/fake-clock.js'
import {recordingLogger} from '../support/logger.js'
import {closeAfterEach} from '../support/closers.js'

const closers = closeAfterEach()

const bytesOf = (name: string) => signalFixtures.find((fixture) => fixture.name === name)!.bytes

async function dial(port: number, from: string): Promise<Socket> {
  const socket = connect({host: '127.0.0.1', port, localAddress: from})
  socket.on('error', () => undefined)
  // Read (and drop) what the listener sends, so its close is seen.
  socket.resume()
  closers.push(() => socket.destroy())
  await once(socket, 'connect')
  return socket
}

const closed = (socket: Socket) => (socket.closed ? Promise.resolve() : once(socket, 'close').then(() => undefined))

describe('a framed listener (signalling, control) bounds connections before their first message', () => {
  it('refuses a source past 4, drops idle and keepalive-only connections at 5 s, and keeps one that sent its invite', async () => {
    const clock = new FakeClock()
    const logger = recordingLogger()
    const adopted: SignalConnection[] = []
    const listener = await listenFramed<SignalMessage>({codec: signalCodec, logger, clock, host: '127.0.0.1', port: 0, onConnection: (connection) => adopted.push(connection)})
    closers.push(() => listener.close())
    const idle = await Promise.all(Array.from({length: 6}, () => dial(listener.port, '127.0.0.2')))
    await expect.poll(() => listener.admission.refusedPerSource).toBe(2)
    // A keepalive is not a first message: it does not authenticate anyone.
    const chatty = await dial(listener.port, '127.0.0.3')
    chatty.write(bytesOf('keepalive'))
    const caller = await dial(listener.port, '127.0.0.3')
    caller.write(bytesOf('invite'))
    await expect.poll(() => listener.admission.authenticated).toBe(1)
    expect(listener.admission).toMatchObject({pending: 5, admitted: 6})
    clock.advance(5000)
    await Promise.all([...idle, chatty].map(closed))
    expect(listener.admission).toMatchObject({pending: 0, expired: 5, authenticated: 1, refusedPerSource: 2})
    expect(caller.closed).toBe(false)
    expect(adopted.filter((connection) => !connection.isClosed)).toHaveLength(1)
    const caught = adopted.find((connection) => !connection.isClosed)!
    expect((await caught.next()).type).toBe('invite')
  })
})
