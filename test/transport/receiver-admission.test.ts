import {once} from 'node:events'
import {connect, type Socket} from 'node:net'

import {describe, expect, it} from 'vitest'

import {decodeReply, encodeHello, type Hello, REPLY_SIZE} from '../../src/protocol/media-handshake.js'
import {encodeMessage} from '../../src/protocol/media-message.js'
import type {MediaReceiverOptions, ReceivedFrame} from '../../src/transport/index.js'
import {FakeClock} from '../support/fake-clock.js'
import {closeAfterEach} from '../support/closers.js'
import {listeningReceiver} from '../support/media-receiver.js'

const closers = closeAfterEach()
const receiver = (options: Partial<MediaReceiverOptions> = {}) => listeningReceiver(closers, options)

/** A raw TCP connection to the receiver from `from` (another loopback address is another source). */
async function dial(port: number, from = '127.0.0.1'): Promise<Socket> {
  const socket = connect({host: '127.0.0.1', port, localAddress: from})
  socket.on('error', () => undefined)
  closers.push(() => socket.destroy())
  await once(socket, 'connect')
  return socket
}

/** Send a hello and read the receiver's reply status. */
async function handshake(socket: Socket, hello: Hello): Promise<string> {
  socket.write(encodeHello(hello))
  let got = Buffer.alloc(0)
  while (got.length < REPLY_SIZE) {
    const [chunk] = (await once(socket, 'data')) as [Buffer]
    got = Buffer.concat([got, chunk])
  }

  const reply = decodeReply(got)
  if (!reply?.ok) throw new Error(`bad reply: ${JSON.stringify(reply)}`)
  return reply.value
}

const frame = (seq: number, payload: string) => encodeMessage({type: 'frame', flags: 0, seq, captureUs: seq * 1000, senderDelayUs: 0, payload: Buffer.from(payload)})
const closed = (socket: Socket) => (socket.closed ? Promise.resolve() : once(socket, 'close').then(() => undefined))

describe('a media receiver bounds connections still in their handshake', () => {
  it('refuses a source past its limit at once, still takes another source, and drops the idle ones at the deadline', async () => {
    const clock = new FakeClock()
    const {rx, logger} = await receiver({clock, admission: {maxPending: 10, maxPendingPerSource: 3}})
    const flood = await Promise.all(Array.from({length: 8}, () => dial(rx.port, '127.0.0.2')))
    await expect.poll(() => rx.admission.refusedPerSource).toBe(5)
    const sender = await dial(rx.port, '127.0.0.1')
    expect(await handshake(sender, {kind: 'video', streamId: 7, connectionIndex: 0, connectionCount: 1, security: 'none'})).toBe('ok')
    expect(rx.admission).toMatchObject({pending: 3, authenticated: 1})
    clock.advance(5000)
    await Promise.all(flood.map(closed))
    expect(rx.admission).toMatchObject({pending: 0, expired: 3, refusedPerSource: 5})
    expect(sender.closed).toBe(false)
    // A flood is a few lines, not one per connection: the 1st refusal, then the 1st drop at the deadline.
    expect(logger.lines.filter((line) => line.includes('warn:'))).toEqual([
      expect.stringMatching(/warn: video receiver: refused 127\.0\.0\.2:\d+: 3 connections from 127\.0\.0\.2 are already waiting to authenticate \(limit 3\) \(1 refused so far\)\n$/),
      expect.stringMatching(/warn: video receiver: dropped 127\.0\.0\.2:\d+: no media handshake within 5000 ms \(1 expired so far\)\n$/),
    ])
  })
})

describe('a receiver without a secret keeps to its first sender', () => {
  it('refuses a stranger that names the running stream, and the stream goes on without its frames', async () => {
    const {rx} = await receiver()
    const frames: ReceivedFrame[] = []
    rx.on('frame', (received: ReceivedFrame) => frames.push(received))
    let ended = false
    rx.on('stream-end', () => (ended = true))
    // The real sender, its second connection still on the way (lanes connect one by one, refused ones retried).
    const lane0 = await dial(rx.port, '127.0.0.1')
    expect(await handshake(lane0, {kind: 'video', streamId: 4242, connectionIndex: 0, connectionCount: 2, security: 'none'})).toBe('ok')
    // The stream id travels in the clear: a stranger who read it offers the missing connection, then misbehaves.
    const stranger = await dial(rx.port, '127.0.0.2')
    expect(await handshake(stranger, {kind: 'video', streamId: 4242, connectionIndex: 1, connectionCount: 2, security: 'none'})).toBe('busy')
    stranger.end(frame(99, 'injected'))
    await closed(stranger)
    const lane1 = await dial(rx.port, '127.0.0.1')
    expect(await handshake(lane1, {kind: 'video', streamId: 4242, connectionIndex: 1, connectionCount: 2, security: 'none'})).toBe('ok')
    lane0.write(frame(1, 'one'))
    lane1.write(frame(2, 'two'))
    await expect.poll(() => frames.length).toBe(2)
    expect(frames.map((f) => f.payload.toString()).sort()).toEqual(['one', 'two'])
    expect(rx.stream).toMatchObject({streamId: 4242, connections: 2, remoteAddress: '127.0.0.1'})
    expect(ended).toBe(false)
  })

  it('one of the sender\'s connections sending garbage closes only that connection', async () => {
    const {rx} = await receiver()
    const frames: ReceivedFrame[] = []
    rx.on('frame', (received: ReceivedFrame) => frames.push(received))
    const lanes = await Promise.all([0, 1].map(async (index) => {
      const lane = await dial(rx.port)
      expect(await handshake(lane, {kind: 'video', streamId: 5, connectionIndex: index, connectionCount: 2, security: 'none'})).toBe('ok')
      return lane
    }))
    lanes[1].write(Buffer.alloc(24, 0xff))
    await closed(lanes[1])
    lanes[0].write(frame(1, 'still here'))
    await expect.poll(() => frames.length).toBe(1)
    expect(rx.stream).toMatchObject({streamId: 5})
  })
})
