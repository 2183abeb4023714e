import {connect, createServer, type Socket} from 'node:net'
import {once} from 'node:events'

import {afterEach, describe, expect, it} from 'vitest'

import {type SignalLink, tcpSignalling} from '../../src/call/connections.js'
import {isIvcError} from '../../src/foundation/errors.js'
import {decodeSignalHello, encodeSignalHello, HELLO_BYTES} from '../../src/protocol/call/hello.js'
import type {SignalMessage} from '../../src/protocol/call/signalling.js'
import {fingerprint} from '../../src/security/identity.js'
import {realClock} from '../../src/foundation/clock.js'
import {testIdentity} from '../support/identities.js'
import {recordingLogger} from '../support/logger.js'

/**
 * The start of a real signalling connection over TCP (docs/protocol.md, "Signalling hello"): the cleartext hellos,
 * TLS keyed by them, and the callee's proof of its identity key over the connection's channel.
 */
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const [bob, carol] = [testIdentity('bob'), testIdentity('carol')]

async function bobListening() {
  const logger = recordingLogger()
  const links: SignalLink[] = []
  const arrived: Array<(link: SignalLink) => void> = []
  const network = tcpSignalling({logger, clock: realClock, bindHost: '127.0.0.1', identity: bob})
  const listener = await network.listen(0, (link) => {
    cleanups.push(() => link.destroy('test over'))
    const waiter = arrived.shift()
    if (waiter) waiter(link)
    else links.push(link)
  })
  cleanups.push(() => listener.close())
  const nextLink = () => (links.length > 0 ? Promise.resolve(links.shift()!) : new Promise<SignalLink>((resolve) => arrived.push(resolve)))
  return {port: listener.port, nextLink, logger}
}

const alice = () => tcpSignalling({logger: recordingLogger(), clock: realClock, bindHost: '127.0.0.1', identity: testIdentity('alice')})

function raw(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket))
    socket.on('error', reject)
    cleanups.push(() => socket.destroy())
  })
}

describe('signalling hello, TLS and the callee\'s proof', () => {
  it('connects once the callee proved the key expected; both ends share the channel and carry messages', async () => {
    const callee = await bobListening()
    const link = await alice().connect('127.0.0.1', callee.port, bob.publicKey)
    cleanups.push(() => link.destroy('test over'))
    const far = await callee.nextLink()
    expect(link.channel).toMatch(/^[0-9a-f]{64}$/)
    expect(far.channel).toBe(link.channel)
    const heard = new Promise<SignalMessage>((resolve) => far.onMessage(resolve))
    link.send({type: 'ringing', callId: 'c0ffee00c0ffee00'})
    expect(await heard).toEqual({type: 'ringing', callId: 'c0ffee00c0ffee00'})
  })

  it('refuses another callee\'s key with AUTH_FAILED before saying anything, and tells the far end', async () => {
    const callee = await bobListening()
    const failure = await alice().connect('127.0.0.1', callee.port, carol.publicKey).catch((error: unknown) => error)
    expect(isIvcError(failure) && failure.code).toBe('AUTH_FAILED')
    expect((failure as Error).message).toContain(`the callee proved ${fingerprint(bob.publicKey)}, not the key expected (${fingerprint(carol.publicKey)})`)
    const far = await callee.nextLink()
    const told = await new Promise<SignalMessage>((resolve) => far.onMessage(resolve))
    expect(told).toMatchObject({type: 'proof-refused', reason: expect.stringContaining('not the key expected')})
  })

  it('answers a caller\'s hello sent byte by byte with its own, and nothing before it', async () => {
    const callee = await bobListening()
    const socket = await raw(callee.port)
    const received: Buffer[] = []
    socket.on('data', (chunk: Buffer) => received.push(chunk))
    const hello = encodeSignalHello({role: 'caller', key: Buffer.from(testIdentity('x').publicKey, 'base64url')})
    for (let at = 0; at < hello.length; at++) {
      socket.write(hello.subarray(at, at + 1))
      await new Promise((resolve) => setImmediate(resolve))
      if (at < hello.length - 1) expect(Buffer.concat(received).length, `after ${at + 1} bytes`).toBe(0)
    }

    await expect.poll(() => Buffer.concat(received).length).toBe(HELLO_BYTES)
    expect(decodeSignalHello(Buffer.concat(received))).toMatchObject({ok: true, value: {role: 'callee'}})
  })

  it('closes on a signalling 4 peer\'s cleartext frame, and on a hello from a callee, with a logged reason', async () => {
    const callee = await bobListening()
    for (const [bytes, reason] of [
      [Buffer.from('IVCS\u0004\u0001\u0000\u0040', 'latin1'), 'signalling hello: bad magic "IVCS" (expected "IVCH")'],
      [encodeSignalHello({role: 'callee', key: Buffer.alloc(32, 9)}), 'signalling hello from a callee, expected the caller\'s'],
    ] as const) {
      const socket = await raw(callee.port)
      socket.write(bytes)
      socket.resume()
      await once(socket, 'close')
      await expect.poll(() => callee.logger.lines.join('')).toContain(reason)
    }
  })

  it('says so when the callee closes on the hello, as an ivc of another signalling version does', async () => {
    const old = createServer((socket) => socket.once('data', () => socket.destroy()).on('error', () => undefined))
    old.listen(0, '127.0.0.1')
    await once(old, 'listening')
    cleanups.push(() => old.close())
    const failure = await alice().connect('127.0.0.1', (old.address() as {port: number}).port, bob.publicKey).catch((error: unknown) => error)
    expect(isIvcError(failure) && failure.code).toBe('PEER_UNREACHABLE')
    expect((failure as Error).message).toContain('closed the connection during the signalling hello (an ivc that does not speak signalling 6 does)')
  })

  it('refuses a hello reflected back at the caller (its own key as the callee\'s)', async () => {
    const mirror = createServer((socket) => {
      socket.once('data', (hello: Buffer) => {
        const reflected = Buffer.from(hello.subarray(0, HELLO_BYTES))
        reflected[5] = 2
        socket.write(reflected)
      })
      socket.on('error', () => undefined)
    })
    mirror.listen(0, '127.0.0.1')
    await once(mirror, 'listening')
    cleanups.push(() => mirror.close())
    const failure = await alice().connect('127.0.0.1', (mirror.address() as {port: number}).port, bob.publicKey).catch((error: unknown) => error)
    expect(isIvcError(failure) && failure.code).toBe('PROTOCOL_ERROR')
    expect((failure as Error).message).toContain('the hello carries the peer\'s key share is our own')
  })
})
