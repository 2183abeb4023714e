import {once} from 'node:events'
import {connect, createServer, type Server, type Socket} from 'node:net'

import {describe, expect, it} from 'vitest'

import {realClock} from '../../src/foundation/clock.js'
import {IvcError} from '../../src/foundation/errors.js'
import {encodeEcho, encodeFeedback} from '../../src/protocol/media-echo.js'
import type {FeedbackReport} from '../../src/protocol/media-feedback.js'
import {decodeHello, encodeHello, encodeReply} from '../../src/protocol/media-handshake.js'
import {encodeHeader, MediaMessageDecoder} from '../../src/protocol/media-message.js'
import {callKey} from '../../src/security/key-share.js'
import {JitterBuffer} from '../../src/media/timing/jitter-buffer.js'
import {type MediaReceiverOptions, MediaSender, type ReceivedFrame} from '../../src/transport/index.js'
import {FakeClock} from '../support/fake-clock.js'
import {closeAfterEach} from '../support/closers.js'
import {recordingLogger} from '../support/logger.js'
import {listeningReceiver} from '../support/media-receiver.js'

const closers = closeAfterEach()
const REPORT: FeedbackReport = {reportNumber: 7, delayValid: true, intervalUs: 100_000, queuingDelayUs: 1000, maxQueuingDelayUs: 2000, receivedBitsPerSecond: 500_000, framesReceived: 3, lateFrames: 0, missingFrames: 0, bufferLevelUs: 30_000, highestSeq: 9, latencyUs: undefined}
const receiver = (options: Partial<MediaReceiverOptions> = {}) => listeningReceiver(closers, options)

async function sender(port: number, connections: number, extra: Partial<Parameters<typeof MediaSender.connect>[0]> = {}) {
  const tx = await MediaSender.connect({host: '127.0.0.1', port, kind: 'video', connections, logger: recordingLogger(), ...extra})
  closers.push(() => tx.close())
  return tx
}

const until = async (condition: () => boolean, what: string, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/**
 * A TCP relay to `port` that keeps every byte the sender side wrote, to look at what crosses the wire; `rewrite`
 * may change each upstream chunk (given its offset in that connection's byte stream) on the way.
 */
async function recordingRelay(port: number, rewrite = (chunk: Buffer, _offset: number) => chunk): Promise<{port: number; upstream: Buffer[]}> {
  const upstream: Buffer[] = []
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const target = connect(port, '127.0.0.1')
    for (const socket of [client, target]) {
      sockets.add(socket)
      socket.on('error', () => {})
      socket.on('close', () => (client.destroy(), target.destroy()))
    }

    let offset = 0
    client.on('data', (chunk: Buffer) => {
      const forwarded = rewrite(Buffer.from(chunk), offset)
      offset += chunk.length
      upstream.push(forwarded)
      target.write(forwarded)
    })
    target.on('data', (chunk: Buffer) => client.write(chunk))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  closers.push(() => new Promise((resolve) => {
    for (const socket of sockets) socket.destroy()
    server.close(resolve)
  }))
  return {port: (server.address() as {port: number}).port, upstream}
}

/** A hand-written receiver that completes handshakes and then lets the test decide what each connection reads. */
async function rawReceiver(onConnection: (socket: Socket, index: number, rest: Buffer) => void): Promise<{server: Server; port: number}> {
  const server = createServer((socket) => {
    let received = Buffer.alloc(0)
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      const hello = decodeHello(received)
      if (!hello?.ok) return
      socket.off('data', onData)
      socket.write(encodeReply('ok'))
      onConnection(socket, hello.value.connectionIndex, hello.rest)
    }

    socket.on('data', onData)
    socket.on('error', () => {})
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  closers.push(() => new Promise((resolve) => server.close(resolve)))
  const sockets = new Set<Socket>()
  server.on('connection', (socket) => sockets.add(socket))
  closers.push(() => sockets.forEach((socket) => socket.destroy()))
  return {server, port: (server.address() as {port: number}).port}
}

describe('MediaSender with startOnFirstConnection (a call)', () => {
  it('sends on the first connection at once, the others join as their TLS handshakes complete, every frame arrives in order', async () => {
    const secret = callKey('a'.repeat(64), {purpose: 'media', kind: 'video', from: 'alice', to: 'bob'})
    const {rx, frames} = await receiver({secret})
    const tx = await sender(rx.port, 6, {secret, startOnFirstConnection: true})
    const joined: number[] = []
    const allUp = new Promise<void>((resolve) => tx.on('lane-up', ({index}: {index: number}) => joined.push(index) === 5 && resolve()))
    for (let n = 0; n < 20; n++) tx.send(Buffer.from(`frame ${n}`), realClock.monotonicUs())
    await allUp
    expect(joined.sort()).toEqual([1, 2, 3, 4, 5])
    expect(tx.stats.openConnections).toBe(6)
    for (let n = 20; n < 40; n++) tx.send(Buffer.from(`frame ${n}`), realClock.monotonicUs())
    await until(() => frames.length === 40, '40 frames')
    expect(frames.map((frame) => frame.seq).sort((a, b) => a - b)).toEqual(Array.from({length: 40}, (_, n) => n))
    expect(tx.stats.dropped).toBe(0)
  })
})

describe('media transport over TCP', () => {
  it('carries one stream over N connections and reorders it into sequence', async () => {
    const {rx, frames} = await receiver()
    const started = once(rx, 'stream-start')
    // All 100 are sent in one go: let them all queue (the default bound of 64 would drop some, by design).
    const tx = await sender(rx.port, 4, {maxQueuedFrames: 100, maxQueueDelayMs: 5000})
    expect((await started)[0]).toMatchObject({streamId: tx.streamId, connections: 4})
    const payload = Buffer.alloc(20_000, 7)
    for (let i = 0; i < 100; i++) tx.send(payload, realClock.monotonicUs(), {key: true})
    const ended = once(rx, 'stream-end')
    await tx.end()
    expect((await ended)[0]).toEqual({streamId: tx.streamId, reason: 'end-of-stream'})
    expect(frames).toHaveLength(100)
    expect(new Set(frames.map((frame) => frame.laneIndex)).size).toBe(4)
    expect(frames.every((frame) => frame.key && frame.payload.equals(payload))).toBe(true)
    // Arrival order may differ from send order; the jitter buffer restores it.
    const jb = new JitterBuffer<ReceivedFrame>({capacity: 200, minDelayUs: 0, maxDelayUs: 0})
    for (const frame of frames) jb.push(frame.seq, frame.captureUs, frame, frame.receivedUs)
    expect(jb.drain().map((frame) => frame.seq)).toEqual(Array.from({length: 100}, (_, i) => i))
    expect(tx.stats).toMatchObject({sent: 100, dropped: 0, bytes: 2_000_000})
  })

  it('echoes for RTT both ways, carries feedback both ways, and decodes the receiver\'s reports where they arrive', async () => {
    const {rx} = await receiver()
    const tx = await sender(rx.port, 2, {rttReportMs: 20})
    const echo = once(tx, 'echo')
    const rtt = once(rx, 'rtt')
    const timer = setInterval(() => tx.send(Buffer.from('f'), realClock.monotonicUs()), 10)
    closers.push(() => clearInterval(timer))
    const [sample] = await echo
    expect(sample.rttUs).toBeGreaterThan(0)
    expect((await rtt)[0]).toBeGreaterThan(0)
    const toSender = once(tx, 'feedback')
    rx.sendFeedback(REPORT)
    expect((await toSender)[0]).toEqual(REPORT)
    const toReceiver = once(rx, 'feedback')
    tx.sendFeedback(Buffer.from('{"loss":0}'))
    expect(String((await toReceiver)[0])).toBe('{"loss":0}')
    // A keyframe request is the other kind of feedback: decoded where it arrives, into its own event.
    const request = once(tx, 'keyframe-request')
    expect(rx.sendKeyframeRequest({requestNumber: 7, seq: 1234})).toBe(true)
    expect((await request)[0]).toEqual({requestNumber: 7, seq: 1234})
  })

  it('echoes every frame on its own connection, so nothing stays in flight', async () => {
    const {rx, frames} = await receiver()
    const tx = await sender(rx.port, 3)
    const echoes: number[] = []
    tx.on('echo', (echo: {seq: number}) => echoes.push(echo.seq))
    // One frame at a time, each after the previous one's echo: every frame must come back, however slow the host.
    for (let i = 0; i < 20; i++) {
      tx.send(Buffer.alloc(1000, i), realClock.monotonicUs())
      await until(() => echoes.length === i + 1, `frame ${i}'s echo`)
    }

    expect(echoes.toSorted((a, b) => a - b)).toEqual(Array.from({length: 20}, (_, i) => i))
    expect(frames).toHaveLength(20)
    expect(tx.stats.inFlightBytes).toBe(0)
  })

  /** A receiver that echoes what arrives, except on the connections in `silent` (as if a segment there were lost). */
  async function echoingReceiver(silent: Set<number>) {
    const byLane = new Map<number, number[]>()
    const {port} = await rawReceiver((socket, index, rest) => {
      const decoder = new MediaMessageDecoder(1 << 20)
      const onData = (chunk: Buffer) => {
        for (const message of decoder.push(chunk).messages) {
          byLane.set(index, [...(byLane.get(index) ?? []), message.seq])
          if (!silent.has(index)) socket.write(encodeEcho({seq: message.seq, sendUs: message.captureUs, holdUs: 0}))
        }
      }

      onData(rest)
      socket.on('data', onData)
    })
    return {port, byLane}
  }

  it('tells a feedback payload that is not a report apart, and keeps the connection', async () => {
    // Answered to the first frame, so the sender is listening for it by then.
    const {port} = await rawReceiver((socket) => socket.once('data', () => socket.write(encodeFeedback(Buffer.from('{"json":true}')))))
    const tx = await sender(port, 1)
    const bad = once(tx, 'bad-feedback')
    tx.send(Buffer.from('f'), realClock.monotonicUs())
    const [reason] = await bad
    expect(reason).toBe('unsupported feedback version 123')
    expect(tx.stats.openConnections).toBe(1)
  })

  it('sends new frames around a connection that has not delivered its last one', async () => {
    const {port, byLane} = await echoingReceiver(new Set([0]))
    const tx = await sender(port, 3)
    const echoes: number[] = []
    tx.on('echo', (echo: {seq: number}) => echoes.push(echo.seq))
    tx.send(Buffer.alloc(500), realClock.monotonicUs())
    await until(() => byLane.get(0) !== undefined, 'frame 0 to arrive (unechoed)')
    // Nothing echoed yet: frame 0 counts as queued on the link, for as long as it has been on its way.
    expect(echoes).toEqual([])
    const queuedUs = tx.stats.inFlightQueueUs
    expect(queuedUs).toBeGreaterThan(0)
    await until(() => tx.stats.inFlightQueueUs > queuedUs, 'the unechoed frame to age')
    for (let i = 1; i <= 5; i++) {
      tx.send(Buffer.alloc(500), realClock.monotonicUs())
      await until(() => echoes.length === i, `frame ${i}'s echo`)
    }

    // Frame 0 took the lowest-numbered idle connection and is never echoed there: everything after it goes by 1, the
    // lowest-numbered connection with nothing in flight (2 is never needed).
    expect(byLane.get(0)).toEqual([0])
    expect(byLane.get(1)).toEqual([1, 2, 3, 4, 5])
    expect(byLane.get(2)).toBeUndefined()
    expect(tx.stats.inFlightBytes).toBe(500 + 24)
    // Frames sent after it have arrived: it waits on its own connection (for a retransmission), not in a queue.
    expect(tx.stats.inFlightQueueUs).toBe(0)
    expect(tx.stats.deliveredBytes).toBe(5 * (500 + 24))
  })

  it('keeps streaming when one connection stalls', async () => {
    let delivered = 0
    const {port} = await rawReceiver((socket, index, rest) => {
      if (index === 0) return socket.pause() // never read again: its kernel buffers fill, then write() says false
      const decoder = new MediaMessageDecoder(1 << 20)
      delivered += decoder.push(rest).messages.length
      socket.on('data', (chunk) => (delivered += decoder.push(chunk).messages.length))
    })
    // A frame never ages out of the queue here (the bound is far away on a virtual clock that stands still): only the
    // stalled connection can keep frames from arriving.
    const tx = await sender(port, 4, {maxQueueDelayMs: 5000, clock: new FakeClock()})
    const payload = Buffer.alloc(64 * 1024)
    for (let i = 0; i < 400; i++) {
      // Back-pressure instead of a pace: wait for the queue to drain below its bound so nothing overflows it.
      await until(() => tx.stats.queued < 32, 'room in the send queue')
      tx.send(payload, 0)
    }

    // Everything not stuck on the stalled connection arrives; the stalled one took only what its buffers held.
    await until(() => tx.stats.queued === 0 && delivered >= 300, 'the other connections to carry the stream')
    expect(tx.stats).toMatchObject({sent: 400, dropped: 0})
    expect(tx.stats.busyEvents).toBeGreaterThan(0)
    expect(delivered).toBeGreaterThanOrEqual(300)
  })

  it('drops frames that wait too long when every connection is stalled, and counts them', async () => {
    const {port} = await rawReceiver((socket) => socket.pause())
    // A virtual clock: each frame is captured 5 ms after the one before, however fast or slow this host runs.
    const clock = new FakeClock()
    const tx = await sender(port, 2, {maxQueueDelayMs: 20, maxQueuedFrames: 1000, clock})
    const payload = Buffer.alloc(256 * 1024)
    let handed = 0
    while (handed < 200 && tx.stats.dropped === 0) {
      tx.send(payload, clock.monotonicUs())
      handed++
      clock.advance(5)
      await new Promise((resolve) => setImmediate(resolve))
    }

    expect(tx.stats.dropped).toBeGreaterThan(0)
    // Every frame handed over is accounted for exactly once: written, dropped, or still waiting.
    expect(tx.stats.sent + tx.stats.dropped + tx.stats.queued).toBe(handed)
    expect(tx.stats.queued).toBeGreaterThan(0)
  })

  it('ends in virtual time: waits for queued frames until its timeout, then for the closes half a second more', async () => {
    const {port} = await rawReceiver((socket) => socket.pause())
    const clock = new FakeClock()
    const tx = await sender(port, 1, {maxQueuedFrames: 1000, clock})
    const payload = Buffer.alloc(256 * 1024)
    while (tx.stats.queued === 0) {
      tx.send(payload, clock.monotonicUs())
      await new Promise((resolve) => setImmediate(resolve))
    }

    let ended = false
    const ending = tx.end(1000).then(() => (ended = true))
    clock.advance(999)
    await new Promise((resolve) => setImmediate(resolve))
    expect(ended).toBe(false)
    expect(tx.stats.queued).toBeGreaterThan(0)
    // The drain timeout: queued frames are dropped, end-of-stream goes out, and the peer (never reading) never closes.
    clock.advance(1)
    await new Promise((resolve) => setImmediate(resolve))
    expect(tx.stats.queued).toBe(0)
    expect(clock.nextDue).toBe(1500)
    expect(ended).toBe(false)
    clock.advance(500)
    await ending
    // Closed: no timer of its own left behind (the RTT report's interval included).
    expect(clock.pending).toBe(0)
  })

  it('ends at once when nothing is queued, without waiting on the clock', async () => {
    const {rx} = await receiver()
    const clock = new FakeClock()
    const tx = await sender(rx.port, 2, {clock})
    const ended = once(rx, 'stream-end')
    await tx.end()
    expect((await ended)[0]).toEqual({streamId: tx.streamId, reason: 'end-of-stream'})
    expect(clock.now()).toBe(0)
    expect(clock.pending).toBe(0)
  })

  it('rejects garbage, a wrong version and an oversize frame with a logged reason, and keeps serving', async () => {
    const {rx, logger, frames} = await receiver({maxFrameBytes: 1000})
    const rejected: string[] = []
    rx.on('rejected', ({reason}) => rejected.push(reason))
    const raw = async (bytes: Buffer) => {
      const socket = connect(rx.port, '127.0.0.1')
      socket.on('error', () => {})
      socket.on('data', () => {})
      socket.write(bytes)
      await once(socket, 'close')
    }

    await raw(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))
    const hello = encodeHello({kind: 'video', streamId: 9, connectionIndex: 0, connectionCount: 1, security: 'none'})
    const badVersion = Buffer.from(hello)
    badVersion[4] = 7
    await raw(badVersion)
    await raw(Buffer.concat([hello, encodeHeader({type: 'frame', flags: 0, seq: 0, captureUs: 1, senderDelayUs: 0, payloadLength: 1001})]))
    expect(rejected).toEqual([
      'bad media handshake: bad magic "GET " (expected "IVCM")',
      'bad media handshake: unsupported protocol version 7 (this side speaks 4)',
      'media connection 0: frame payload of 1001 bytes exceeds the limit of 1000; closing it',
    ])
    expect(logger.lines.filter((line) => line.includes('rejected'))).toHaveLength(3)
    // Stream 9 ended with its only connection; a real sender is still served.
    const tx = await sender(rx.port, 2)
    tx.send(Buffer.from('ok'), realClock.monotonicUs())
    await until(() => frames.length === 1, 'a frame from a good sender')
  })

  it('closes even when a refused peer never reads the refusal', async () => {
    const {rx} = await receiver()
    const rejected = once(rx, 'rejected')
    const socket = connect(rx.port, '127.0.0.1', () => socket.write('XXXXXXXX'))
    socket.on('error', () => {})
    socket.pause() // never reads the reply, so it never sees the receiver's FIN
    expect((await rejected)[0]).toMatchObject({reason: 'bad media handshake: bad magic "XXXX" (expected "IVCM")'})
    const port = rx.port
    await rx.close() // would hang if the receiver waited for this peer to close
    // The receiver is gone: nothing listens on its port any more.
    const refused = connect(port, '127.0.0.1')
    expect((await once(refused, 'error'))[0]).toMatchObject({code: 'ECONNREFUSED'})
    // And the peer, once it reads, finds the refusal (bad request) followed by the end of the connection.
    const received: Buffer[] = []
    socket.on('data', (chunk: Buffer) => received.push(chunk))
    const closed = once(socket, 'close')
    socket.resume()
    await closed
    expect(Buffer.concat(received)).toEqual(encodeReply('badRequest'))
  })

  it('with a secret, refuses plain TCP, another secret and TLS to a receiver without one: AUTH_FAILED on both sides', async () => {
    const {rx, logger} = await receiver({secret: 'call-secret-0123456789'})
    const plain = await sender(rx.port, 3).catch((caught: unknown) => caught)
    expect(plain).toBeInstanceOf(IvcError)
    expect((plain as IvcError).code).toBe('AUTH_FAILED')
    expect(logger.lines.some((line) => line.includes('AUTH_FAILED: this stream is encrypted and the sender offered plain TCP'))).toBe(true)
    const wrong = await sender(rx.port, 1, {secret: 'call-secret-0123456788'}).catch((caught: unknown) => caught)
    expect(wrong).toMatchObject({code: 'AUTH_FAILED', message: expect.stringContaining('the two ends hold different keys')})
    expect(logger.lines.some((line) => line.includes('AUTH_FAILED: TLS handshake failed (the two ends hold different keys)'))).toBe(true)
    const open = await receiver()
    await expect(sender(open.rx.port, 1, {secret: 'call-secret-0123456789'})).rejects.toMatchObject({code: 'AUTH_FAILED'})
    expect(open.logger.lines.some((line) => line.includes('the sender wants an encrypted stream and this receiver has no secret'))).toBe(true)
    const tx = await sender(rx.port, 3, {secret: 'call-secret-0123456789'})
    expect(tx.stats.openConnections).toBe(3)
  })

  it('confirms the hello inside TLS: one changed on the way (here its stream id) fails the handshake', async () => {
    const {rx, logger} = await receiver({secret: 'call-secret-0123456789'})
    const relay = await recordingRelay(rx.port, (chunk, offset) => {
      // The hello is the first 16 bytes the sender writes; flip a byte of its stream id.
      if (offset <= 8 && offset + chunk.length > 8) chunk[8 - offset] ^= 0xff
      return chunk
    })
    await expect(sender(relay.port, 1, {secret: 'call-secret-0123456789'})).rejects.toMatchObject({code: 'AUTH_FAILED'})
    expect(logger.lines.some((line) => line.includes('AUTH_FAILED: TLS handshake failed'))).toBe(true)
    const tx = await sender(rx.port, 2, {secret: 'call-secret-0123456789'})
    expect(tx.stats.openConnections).toBe(2)
  })

  it('refuses a call\'s own outgoing stream reflected back to its receiver (each direction has its own key)', async () => {
    const callSecret = 'ab'.repeat(32)
    const aliceVideoIn = callKey(callSecret, {purpose: 'media', kind: 'video', from: 'bob', to: 'alice'})
    const aliceVideoOut = callKey(callSecret, {purpose: 'media', kind: 'video', from: 'alice', to: 'bob'})
    const {rx} = await receiver({secret: aliceVideoIn})
    await expect(sender(rx.port, 1, {secret: aliceVideoOut})).rejects.toMatchObject({code: 'AUTH_FAILED'})
    const bob = await sender(rx.port, 1, {secret: aliceVideoIn})
    expect(bob.stats.openConnections).toBe(1)
  })

  it('encrypts a stream with a secret: frames, echoes and feedback cross, and no payload byte is readable on the wire', async () => {
    const marker = Buffer.from('PLAINTEXT-FRAME-MARKER-'.repeat(40))
    const carry = async (secret: string | undefined) => {
      const {rx, frames} = await receiver({secret})
      const relay = await recordingRelay(rx.port)
      const tx = await sender(relay.port, 4, {secret})
      const echoed = once(tx, 'echo')
      const feedback = once(tx, 'feedback')
      for (let index = 0; index < 8; index++) tx.send(marker, realClock.monotonicUs())
      await until(() => frames.length === 8, 'eight frames')
      rx.sendFeedback(REPORT)
      await echoed
      expect((await feedback)[0]).toEqual(REPORT)
      expect(frames.every((frame) => frame.payload.equals(marker))).toBe(true)
      return Buffer.concat(relay.upstream)
    }

    // The same stream in the clear shows its payload to anyone on the path; encrypted, neither it nor the hello's
    // fields after the handshake are there.
    expect((await carry(undefined)).includes(marker.subarray(0, 23))).toBe(true)
    const wire = await carry('call-secret-0123456789')
    expect(wire.includes(marker.subarray(0, 23))).toBe(false)
    expect(wire.includes(Buffer.from('call-secret'))).toBe(false)
    expect(wire.length).toBeGreaterThan(8 * marker.length)
  })

  it('ends the stream when the sender vanishes, and tells a sender when the receiver does', async () => {
    const {rx} = await receiver()
    const tx = await sender(rx.port, 3)
    tx.send(Buffer.from('x'), realClock.monotonicUs())
    const ended = once(rx, 'stream-end')
    tx.close()
    expect((await ended)[0]).toMatchObject({reason: 'connections-closed'})

    const second = await receiver()
    const tx2 = await sender(second.rx.port, 2)
    const closed = once(tx2, 'closed')
    await second.rx.close()
    expect((await closed)[0]).toEqual({reason: 'every connection closed'})
  })

  it('reports an unreachable peer and bad connection counts as user errors', async () => {
    const {port} = await rawReceiver(() => {})
    closers.splice(0).reverse().forEach((close) => close())
    await expect(sender(port, 1)).rejects.toMatchObject({code: 'PEER_UNREACHABLE'})
    await expect(sender(port, 0)).rejects.toMatchObject({code: 'BAD_USAGE'})
    await expect(sender(port, 65)).rejects.toMatchObject({code: 'BAD_USAGE'})
  })
})
