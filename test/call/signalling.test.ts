import {connect, createServer, type Server, type Socket} from 'node:net'

import {afterEach, describe, expect, it} from 'vitest'

import {listenFramed, type FramedListener, type SignalConnection} from '../../src/call/connections.js'
import {FramedConnection} from '../../src/transport/framed-connection.js'
import {signalCodec, type SignalMessage} from '../../src/protocol/call/signalling.js'
import {recordingLogger} from '../support/logger.js'
import {FakeClock} from '../support/fake-clock.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

// Signatures are not this test's business (the codec only checks their form): any well-formed ones pass.
const identityKey = 'B'.repeat(43)
const signature = 'C'.repeat(86)
const invite: SignalMessage = {type: 'invite', callId: 'call-00000001', from: 'alice', to: 'bob', address: '127.0.0.1', keyShare: 'jIHekjtRmTbjesJHRuXEiJmN6wMnwmbzqrFtirb433Y', identityKey, media: {}, signature}

/** A real signalling listener on 127.0.0.1; resolves each accepted connection in order. */
async function listener(options: {clock?: FakeClock; logger?: ReturnType<typeof recordingLogger>} = {}) {
  const accepted: SignalConnection[] = []
  const waiting: Array<(c: SignalConnection) => void> = []
  const logger = options.logger ?? recordingLogger()
  const bound: FramedListener = await listenFramed<SignalMessage>({
    host: '127.0.0.1',
    port: 0,
    codec: signalCodec,
    logger,
    clock: options.clock,
    onConnection(connection) {
      cleanups.push(() => connection.destroy('test over'))
      const waiter = waiting.shift()
      if (waiter) waiter(connection)
      else accepted.push(connection)
    },
  })
  cleanups.push(() => bound.close())
  const nextConnection = () => (accepted.length > 0 ? Promise.resolve(accepted.shift()!) : new Promise<SignalConnection>((resolve) => waiting.push(resolve)))
  return {port: bound.port, nextConnection, logger}
}

async function client(port: number, options: {clock?: FakeClock; keepalive?: {intervalMs: number; timeoutMs: number; stalledAfterMs?: number}} = {}) {
  const connection = await FramedConnection.connect<SignalMessage>('127.0.0.1', port, {codec: signalCodec, logger: recordingLogger(), name: 'test client', ...options})
  cleanups.push(() => connection.destroy('test over'))
  return connection
}

/** A raw TCP socket to the port, for sending bytes no codec would produce. */
function raw(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket))
    socket.on('error', reject)
    cleanups.push(() => socket.destroy())
  })
}

/** A raw TCP server that hands over its sockets (a peer that speaks, or does not speak, whatever the test says). */
async function rawServer(): Promise<{port: number; nextSocket: () => Promise<Socket>}> {
  const sockets: Socket[] = []
  const waiting: Array<(s: Socket) => void> = []
  const server: Server = createServer((socket) => {
    cleanups.push(() => socket.destroy())
    const waiter = waiting.shift()
    if (waiter) waiter(socket)
    else sockets.push(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => new Promise((resolve) => server.close(resolve)))
  const address = server.address()
  return {port: typeof address === 'object' && address ? address.port : 0, nextSocket: () => (sockets.length > 0 ? Promise.resolve(sockets.shift()!) : new Promise((resolve) => waiting.push(resolve)))}
}

describe('FramedConnection over real TCP', () => {
  it('carries messages both ways, through next() and onMessage', async () => {
    const server = await listener()
    const alice = await client(server.port)
    const bob = await server.nextConnection()
    alice.send(invite)
    expect(await bob.next()).toEqual(invite)
    const seen: SignalMessage[] = []
    const done = new Promise<void>((resolve) => alice.onMessage((m) => (seen.push(m), m.type === 'accept' && resolve())))
    bob.send({type: 'ringing', callId: invite.callId})
    bob.send({type: 'accept', callId: invite.callId, keyShare: 'q8Ld1PuTQeRzGX0ia-uVh3tJy9Dk_5wHfE2mS6oNYCc', identityKey, controlPort: 4000, media: {}, signature})
    await done
    expect(seen.map((m) => m.type)).toEqual(['ringing', 'accept'])
    expect(alice.stats).toMatchObject({framesOut: 1, framesIn: 2})
  })

  it('delivers thousands of messages in order, waiting for drain', async () => {
    const server = await listener()
    const alice = await client(server.port)
    const bob = await server.nextConnection()
    const count = 3000
    const received: number[] = []
    const all = new Promise<void>((resolve) => bob.onMessage((m) => m.type === 'keepalive-ack' || (m.type === 'hangup' && received.push(Number(m.reason)) === count && resolve())))
    for (let i = 0; i < count; i++) {
      alice.send({type: 'hangup', callId: invite.callId, reason: String(i).padStart(150, '0')})
      await alice.drained()
    }

    await all
    expect(received).toEqual(Array.from({length: count}, (_, i) => i))
  })

  it('gives up on a peer that does not read, instead of queueing without bound', async () => {
    const peer = await rawServer()
    const alice = await FramedConnection.connect<SignalMessage>('127.0.0.1', peer.port, {codec: signalCodec, logger: recordingLogger(), maxQueuedBytes: 64 * 1024})
    cleanups.push(() => alice.destroy('test over'))
    const socket = await peer.nextSocket()
    socket.pause()
    let sent = 0
    while (alice.send({type: 'hangup', callId: invite.callId, reason: 'x'.repeat(200)})) sent++
    const closed = await alice.closed
    expect(closed).toEqual({reason: 'send queue over 65536 bytes: the peer is not reading', by: 'peer'})
    expect(sent).toBeGreaterThan(100)
    expect(alice.stats.drainWaits).toBeGreaterThan(0)
  })

  it.each([
    ['an HTTP request', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), 'protocol error: signalling: bad magic: expected 49 56 43 53 ("IVCS"), got 47'],
    ['an oversize frame', Buffer.from('495643530601ffff', 'hex'), 'protocol error: signalling: body of 65535 bytes exceeds the 16384-byte limit'],
    ['a frame with a bad body', Buffer.concat([Buffer.from('4956435306020002', 'hex'), Buffer.from('{}')]), 'protocol error: signalling: bad ringing body: callId: Required'],
  ])('closes on %s with a logged reason, and keeps serving others', async (_label, bytes, reason) => {
    const server = await listener()
    const socket = await raw(server.port)
    const peerSaw = new Promise<void>((resolve) => socket.on('close', () => resolve()))
    const victim = await server.nextConnection()
    socket.write(bytes)
    expect(await victim.closed).toMatchObject({reason, by: 'protocol'})
    await expect(victim.next()).rejects.toMatchObject({code: 'PROTOCOL_ERROR'})
    expect(server.logger.lines).toContainEqual(expect.stringContaining(`warn: ${victim.name}: ${reason.slice('protocol error: '.length)}; closing`))
    await peerSaw
    // The listener is unharmed: a proper client still gets through.
    const alice = await client(server.port)
    const bob = await server.nextConnection()
    alice.send(invite)
    expect(await bob.next()).toEqual(invite)
  })

  it('reports a frame cut off by the peer closing', async () => {
    const server = await listener()
    const socket = await raw(server.port)
    const victim = await server.nextConnection()
    socket.end(signalCodec.encode(invite).subarray(0, 20))
    expect(await victim.closed).toMatchObject({reason: 'protocol error: signalling: stream ended inside a frame (12 of 303 body bytes)', by: 'protocol'})
  })

  it('notices a peer that vanishes (reset), and a peer that closes cleanly', async () => {
    const server = await listener()
    const alice = await client(server.port)
    const bob = await server.nextConnection()
    const pending = bob.next()
    alice.destroy('crash')
    await expect(pending).rejects.toMatchObject({code: 'PEER_GONE'})
    expect((await bob.closed).by).toBe('peer')

    const socket = await raw(server.port)
    const carol = await server.nextConnection()
    socket.resetAndDestroy()
    expect(await carol.closed).toMatchObject({by: 'peer', reason: expect.stringMatching(/^(connection reset by the peer|closed by the peer)$/)})
  })

  it('closes gracefully, flushing what was sent first', async () => {
    const server = await listener()
    const alice = await client(server.port)
    const bob = await server.nextConnection()
    alice.send({type: 'busy', callId: invite.callId})
    const closing = alice.close('busy')
    expect(alice.send(invite)).toBe(false)
    expect(await bob.next()).toEqual({type: 'busy', callId: invite.callId})
    expect(await bob.closed).toEqual({reason: 'closed by the peer', by: 'peer'})
    expect(await closing).toEqual({reason: 'busy', by: 'local'})
  })

  it('answers keepalives itself, measures the round trip, and never surfaces them', async () => {
    const clock = new FakeClock()
    const server = await listener()
    const alice = await client(server.port, {clock, keepalive: {intervalMs: 1000, timeoutMs: 3000}})
    const bob = await server.nextConnection()
    clock.advance(1000) // alice sends keepalive 1
    alice.send({type: 'ringing', callId: invite.callId})
    // bob acks the keepalive on arrival, before he can read the ringing that followed it.
    expect(await bob.next()).toEqual({type: 'ringing', callId: invite.callId})
    clock.advance(5)
    bob.send({type: 'busy', callId: invite.callId})
    expect(await alice.next()).toEqual({type: 'busy', callId: invite.callId})
    expect(alice.rttMs).toBe(5)
    expect(bob.stats.framesIn).toBe(2)
  })

  it('reports a silent peer as stalled, then closes at the timeout with the silence in the reason', async () => {
    const clock = new FakeClock()
    const silent = await rawServer()
    const logger = recordingLogger()
    const alice = await FramedConnection.connect<SignalMessage>('127.0.0.1', silent.port, {codec: signalCodec, logger, clock, keepalive: {intervalMs: 1000, stalledAfterMs: 2000, timeoutMs: 3000}, name: 'signalling with bob'})
    cleanups.push(() => alice.destroy('test over'))
    const changes: unknown[] = []
    alice.onLiveness((change) => changes.push(change))
    const socket = await silent.nextSocket()
    const keepalives = new Promise<SignalMessage[]>((resolve) => {
      const decoder = signalCodec.decoder()
      const got: SignalMessage[] = []
      socket.on('data', (chunk: Buffer) => got.push(...decoder.push(chunk).messages) >= 2 && resolve(got))
    })
    clock.advance(2000)
    expect(await keepalives).toEqual([
      {type: 'keepalive', seq: 1, t: 1000},
      {type: 'keepalive', seq: 2, t: 2000},
    ])
    expect(changes).toEqual([{kind: 'stalled', silentMs: 2000}])
    expect(alice.isClosed).toBe(false)
    clock.advance(1000)
    expect(await alice.closed).toEqual({reason: 'nothing heard from the peer for 3.0 s (the stall timeout is 3 s)', by: 'peer'})
    expect(logger.lines).toContain('[test] warn: signalling with bob: nothing heard for 3.0 s; closing\n')
    expect(clock.pending).toBe(0)
  })

  it('tells when a stalled peer is heard again, and stays open', async () => {
    const clock = new FakeClock()
    const server = await listener()
    const alice = await client(server.port, {clock, keepalive: {intervalMs: 1000, stalledAfterMs: 2000, timeoutMs: 15_000}})
    const bob = await server.nextConnection()
    const changes: unknown[] = []
    alice.onLiveness((change) => changes.push(change))
    // bob answers nothing for 5 s (stopped), then speaks.
    clock.advance(5000)
    expect(changes).toEqual([{kind: 'stalled', silentMs: 2000}])
    clock.advance(200)
    bob.send({type: 'ringing', callId: invite.callId})
    expect(await alice.next()).toEqual({type: 'ringing', callId: invite.callId})
    expect(changes).toEqual([{kind: 'stalled', silentMs: 2000}, {kind: 'resumed', silentMs: 5200}])
    expect(alice.isClosed).toBe(false)
  })

  it('fails to connect with PEER_UNREACHABLE, and to listen on a busy port with PORT_IN_USE', async () => {
    const server = await listener()
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const {port} = probe.address() as {port: number}
        probe.close(() => resolve(port))
      })
    })
    await expect(client(closedPort)).rejects.toMatchObject({code: 'PEER_UNREACHABLE', message: `cannot connect to 127.0.0.1:${closedPort}: nothing listens there (ECONNREFUSED)`})
    await expect(listenFramed({host: '127.0.0.1', port: server.port, codec: signalCodec, logger: recordingLogger(), onConnection() {}})).rejects.toMatchObject({code: 'PORT_IN_USE'})
  })
})
