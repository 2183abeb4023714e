import {EventEmitter} from 'node:events'
import {createServer, type Server, type Socket} from 'node:net'

import {type Clock, realClock} from '../foundation/clock.js'
import {IvcError} from '../foundation/errors.js'
import type {DecodedPrefix} from '../foundation/decoded.js'
import type {Logger} from '../foundation/logger.js'
import {decodeRttReport, encodeEcho, encodeFeedback} from '../protocol/media-echo.js'
import {encodeFeedbackReport, encodeKeyframeRequest, type FeedbackReport, type KeyframeRequest} from '../protocol/media-feedback.js'
import {decodeHello, encodeHello, encodeReply, type Hello, HELLO_SIZE, type HelloStatus, type StreamKind} from '../protocol/media-handshake.js'
import {FLAG_END_OF_STREAM, FLAG_KEY_FRAME, type MediaMessage, MediaMessageDecoder} from '../protocol/media-message.js'
import {Admission, type AdmissionLimits, dropLog, MEDIA_ADMISSION} from '../security/admission.js'
import {secureServer} from '../security/tls-psk.js'
import {listenTarget} from './handed-port.js'

export const DEFAULT_MAX_FRAME_BYTES: Record<StreamKind, number> = {video: 4 * 1024 * 1024, audio: 64 * 1024}

export interface MediaReceiverOptions {
  port: number
  /** Address to bind; default all interfaces. */
  host?: string
  kind: StreamKind
  logger: Logger
  /**
   * The stream's secret: every connection must then be TLS keyed by it (others are refused, AUTH_FAILED logged). A
   * promise when the receiver listens before its call is agreed: connections wait for it within the handshake bound.
   */
  secret?: string | Promise<string>
  /** Largest frame payload accepted; a bigger header closes the connection. Default by kind: video 4 MiB, audio 64 KiB. */
  maxFrameBytes?: number
  /** From accept to the end of the handshake (hello, TLS, reply). Default 5000 ms. */
  handshakeTimeoutMs?: number
  /** Connections still in their handshake, per source and in all (security/admission.ts). Default MEDIA_ADMISSION. */
  admission?: Omit<AdmissionLimits, 'deadlineMs'>
  /** After the first end-of-stream, how long to wait for the other connections' ends. Default 1000 ms. */
  endGraceMs?: number
  clock?: Clock
}

export interface ReceivedFrame {
  seq: number
  /** Sender's clock, µs. */
  captureUs: number
  /** Sender's µs from capture to the write (encode + queue). */
  senderDelayUs: number
  key: boolean
  payload: Buffer
  /** This receiver's clock, µs. */
  receivedUs: number
  /** The lane (parallel connection) it came by: the hello's connection index. */
  laneIndex: number
}

export interface StreamInfo {
  streamId: number
  connections: number
  remoteAddress: string
}

export type StreamEndReason = 'end-of-stream' | 'connections-closed'

/** One of the stream's parallel TCP connections, as the sender calls them too. */
interface Lane {
  socket: Socket
  index: number
  ended: boolean
}

interface ActiveStream extends StreamInfo {
  lanes: Map<number, Lane>
  endTimer?: unknown
}

/**
 * The receiving end of media streams: a TCP server that accepts the N connections ("lanes", as the sender calls them
 * too) of one sender's stream at a time,
 * checks each hello (kind, version, security, count), runs TLS when it has a secret, and emits every frame as it arrives, in arrival order (reordering
 * is the JitterBuffer's job). Bad input closes only the offending connection, with a logged reason.
 * Events: 'stream-start' (StreamInfo), 'frame' (ReceivedFrame), 'rtt' (µs), 'feedback' (Buffer: the sender → receiver
 * direction is not used today, so its payload stays opaque),
 * 'rejected' ({remote, reason}), 'stream-end' ({streamId, reason}).
 */
export class MediaReceiver extends EventEmitter {
  readonly #server: Server
  readonly #clock: Clock
  readonly #maxFrameBytes: number
  readonly #finished = new Set<number>()
  readonly #handshaking = new Set<Socket>()
  readonly #sockets = new Set<Socket>()
  readonly #admission: Admission
  readonly #drops: ReturnType<typeof dropLog>
  #stream: ActiveStream | undefined

  private constructor(
    server: Server,
    private readonly options: MediaReceiverOptions,
  ) {
    super()
    this.#server = server
    this.#clock = options.clock ?? realClock
    this.#maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES[options.kind]
    this.#admission = new Admission({...MEDIA_ADMISSION, ...options.admission, deadlineMs: options.handshakeTimeoutMs ?? MEDIA_ADMISSION.deadlineMs}, this.#clock)
    this.#drops = dropLog(options.logger, `${options.kind} receiver`)
    server.on('connection', (socket) => this.#accept(socket))
  }

  static async listen(options: MediaReceiverOptions): Promise<MediaReceiver> {
    const server = createServer({noDelay: true})
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE') reject(new IvcError('PORT_IN_USE', `port ${options.port} is already in use`, {cause: error}))
        else reject(new IvcError('BUG', `cannot listen on port ${options.port}: ${error.message}`, {cause: error}))
      })
      server.listen(listenTarget(options.port, options.host), () => resolve())
    })
    return new MediaReceiver(server, options)
  }

  get port(): number {
    const address = this.#server.address()
    return typeof address === 'object' && address ? address.port : this.options.port
  }

  get stream(): StreamInfo | undefined {
    return this.#stream && {streamId: this.#stream.streamId, connections: this.#stream.connections, remoteAddress: this.#stream.remoteAddress}
  }

  /** What admission refused or dropped so far. */
  get admission() {
    return this.#admission.stats
  }

  get openConnections(): number {
    return this.#stream ? [...this.#stream.lanes.values()].filter((lane) => !lane.socket.destroyed).length : 0
  }

  /** Send an adaptation report back to the sender; false when no stream is connected. */
  sendFeedback(report: FeedbackReport): boolean {
    return this.#control(encodeFeedback(encodeFeedbackReport(report)))
  }

  /** Ask the sender for a keyframe (docs/protocol.md, "Keyframe request"); false if no connection could take it. */
  sendKeyframeRequest(request: KeyframeRequest): boolean {
    return this.#control(encodeFeedback(encodeKeyframeRequest(request)))
  }

  async close(): Promise<void> {
    for (const socket of this.#handshaking) socket.destroy()
    if (this.#stream) this.#endStream('connections-closed')
    for (const socket of this.#sockets) socket.destroy()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket)
    socket.once('close', () => this.#sockets.delete(socket))
    const remote = `${socket.remoteAddress}:${socket.remotePort}`
    socket.setNoDelay(true)
    socket.on('error', (error) => this.options.logger.debug(`media connection from ${remote}: ${error.message}`))
    const timeoutMs = this.#admission.limits.deadlineMs
    // Dropped at the deadline: counted and logged as a flood is (1st, 10th, 100th...), not one warning each.
    const admitted = this.#admission.admit(socket.remoteAddress ?? 'unknown', () => refuse(`no media handshake within ${timeoutMs} ms`, undefined, socket, 'drop'))
    if (!admitted.admitted) {
      this.#drops.note('refused', `refused ${remote}: ${admitted.reason}`)
      socket.destroy()
      return
    }

    const pending = admitted.connection
    this.#handshaking.add(socket)
    let done = false
    const refuse = (reason: string, status?: HelloStatus, on: Socket = socket, log: 'warn' | 'drop' = 'warn') => {
      if (done) return
      finish()
      pending.gone()
      if (log === 'drop') this.#drops.note('expired', `dropped ${remote}: ${reason}`)
      this.#reject(remote, reason, log === 'warn')
      if (status) {
        // Say why, then make sure the socket goes even if the peer never reads the reply.
        on.end(encodeReply(status))
        this.#clock.setTimeout(() => on.destroy(), 1000)
      } else on.destroy()
    }

    const finish = () => {
      done = true
      this.#handshaking.delete(socket)
    }

    readHello(socket).then(
      async ({hello, rest}) => {
        if (!hello.ok) return refuse(`bad media handshake: ${hello.reason}`, 'badRequest')
        const mismatch = this.#checkSecurity(hello.value)
        if (mismatch) return refuse(mismatch, 'authFailed')
        let wire: Socket = socket
        if (hello.value.security === 'tls') {
          if (rest.length > 0) return refuse('bad media handshake: data before the TLS handshake', 'badRequest')
          socket.write(encodeReply('ok'))
          try {
            wire = await secureServer(socket, this.options.secret!, {purpose: 'media', hello: encodeHello(hello.value)}, timeoutMs, this.#clock)
          } catch (error) {
            return refuse(`AUTH_FAILED: ${(error as Error).message}`)
          }

          wire.on('error', (error) => this.options.logger.debug(`media connection from ${remote}: ${error.message}`))
        }

        if (done) return wire.destroy()
        const refusal = this.#check(hello.value, socket.remoteAddress)
        if (refusal) return refuse(refusal.reason, refusal.status, wire)
        finish()
        pending.authenticated()
        wire.write(encodeReply('ok'))
        this.#join(wire, hello.value, remote, rest)
      },
      () => refuse('closed during the media handshake'),
    )
  }

  /** Encrypted on both ends or on neither: a receiver with a secret never takes plain TCP, nor one without it TLS. */
  #checkSecurity(hello: Hello): string | undefined {
    if (this.options.secret !== undefined && hello.security !== 'tls') return 'AUTH_FAILED: this stream is encrypted and the sender offered plain TCP (it has no secret)'
    if (this.options.secret === undefined && hello.security !== 'none') return 'AUTH_FAILED: the sender wants an encrypted stream and this receiver has no secret'
    return undefined
  }

  #check(hello: Hello, from: string | undefined): {reason: string; status: HelloStatus} | undefined {
    if (hello.kind !== this.options.kind) return {reason: `a ${hello.kind} stream was offered to a ${this.options.kind} receiver`, status: 'badRequest'}
    const stream = this.#stream
    // Without a secret nothing proves who sent a hello, and its stream id travels in the clear: the first sender to
    // complete the handshake keeps the receiver, and connections from any other address are refused, so a stranger
    // can neither inject frames into its stream nor end it.
    if (stream && this.options.secret === undefined && from !== stream.remoteAddress) {
      return {reason: `this receiver has no secret and streams from ${stream.remoteAddress}; refused a connection from ${from ?? 'an unknown address'}`, status: 'busy'}
    }

    if (this.#finished.has(hello.streamId)) return {reason: `stream ${hello.streamId} has already ended`, status: 'busy'}
    if (stream && stream.streamId !== hello.streamId) return {reason: `busy with stream ${stream.streamId}; refused stream ${hello.streamId}`, status: 'busy'}
    if (stream && stream.connections !== hello.connectionCount) return {reason: `connection count ${hello.connectionCount} differs from the stream's ${stream.connections}`, status: 'badRequest'}
    if (stream?.lanes.has(hello.connectionIndex)) return {reason: `connection index ${hello.connectionIndex} is already open`, status: 'badRequest'}
    return undefined
  }

  #join(socket: Socket, hello: Hello, remote: string, rest: Buffer): void {
    if (!this.#stream) {
      this.#stream = {streamId: hello.streamId, connections: hello.connectionCount, remoteAddress: socket.remoteAddress ?? remote, lanes: new Map()}
      this.emit('stream-start', this.stream)
    }

    const stream = this.#stream
    const lane: Lane = {socket, index: hello.connectionIndex, ended: false}
    stream.lanes.set(lane.index, lane)
    const decoder = new MediaMessageDecoder(this.#maxFrameBytes)
    const onData = (chunk: Buffer) => {
      const {messages, error} = decoder.push(chunk)
      for (const message of messages) this.#onMessage(stream, lane, message)
      if (error) {
        this.#reject(remote, `media connection ${lane.index}: ${error}; closing it`)
        socket.destroy()
      }
    }

    socket.on('data', onData)
    socket.once('close', () => this.#laneGone(stream, lane))
    if (rest.length > 0) onData(rest)
    socket.resume()
  }

  #onMessage(stream: ActiveStream, lane: Lane, message: MediaMessage): void {
    if (message.type === 'frame') {
      if (message.flags & FLAG_END_OF_STREAM) {
        lane.ended = true
        this.#maybeEnd(stream, 'end-of-stream')
        return
      }

      const frame: ReceivedFrame = {
        seq: message.seq,
        captureUs: message.captureUs,
        senderDelayUs: message.senderDelayUs,
        key: (message.flags & FLAG_KEY_FRAME) !== 0,
        payload: message.payload,
        receivedUs: this.#clock.monotonicUs(),
        laneIndex: lane.index,
      }
      // Echo at once, on the connection it came by: the sender learns the round trip and what each connection still
      // has in flight (docs/protocol.md).
      if (lane.socket.writable) lane.socket.write(encodeEcho({seq: frame.seq, sendUs: frame.captureUs + frame.senderDelayUs, holdUs: 0}))
      this.emit('frame', frame)
    } else if (message.type === 'rtt') {
      this.emit('rtt', decodeRttReport(message))
    } else if (message.type === 'feedback') {
      this.emit('feedback', message.payload)
    } else {
      this.#reject(lane.socket.remoteAddress ?? '?', `media connection ${lane.index}: unexpected ${message.type} message; ignored`)
    }
  }

  #laneGone(stream: ActiveStream, lane: Lane): void {
    if (this.#stream !== stream) return
    lane.ended = true
    this.#maybeEnd(stream, 'connections-closed')
  }

  #maybeEnd(stream: ActiveStream, reason: StreamEndReason): void {
    const open = [...stream.lanes.values()].filter((lane) => !lane.ended)
    if (open.length === 0) return this.#endStream(reason)
    if (reason === 'end-of-stream' && !stream.endTimer) {
      stream.endTimer = this.#clock.setTimeout(() => this.#endStream('end-of-stream'), this.options.endGraceMs ?? 1000)
    }
  }

  #endStream(reason: StreamEndReason): void {
    const stream = this.#stream
    if (!stream) return
    this.#stream = undefined
    this.#clock.clearTimeout(stream.endTimer)
    this.#finished.add(stream.streamId)
    for (const lane of stream.lanes.values()) lane.socket.destroy()
    this.emit('stream-end', {streamId: stream.streamId, reason})
  }

  #reject(remote: string, reason: string, warn = true): void {
    if (warn) this.options.logger.warn(`media connection from ${remote} rejected: ${reason}`)
    this.emit('rejected', {remote, reason})
  }

  #control(message: Buffer): boolean {
    const lanes = this.#stream ? [...this.#stream.lanes.values()].filter((lane) => !lane.socket.destroyed && lane.socket.writable) : []
    const lane = lanes.sort((a, b) => a.socket.writableLength - b.socket.writableLength)[0]
    if (!lane) return false
    lane.socket.write(message)
    return true
  }
}

/** Read the fixed-size hello (never more: what follows it is TLS or media messages); leaves the socket paused. */
function readHello(socket: Socket): Promise<{hello: Exclude<DecodedPrefix<Hello>, undefined>; rest: Buffer}> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0)
    const onData = (chunk: Buffer) => {
      const room = HELLO_SIZE - received.length
      received = Buffer.concat([received, chunk.subarray(0, room)])
      const hello = decodeHello(received)
      if (!hello) return
      socket.off('data', onData)
      socket.off('close', onClose)
      socket.pause()
      resolve({hello, rest: chunk.subarray(room)})
    }

    const onClose = () => reject(new Error('closed'))
    socket.on('data', onData)
    socket.once('close', onClose)
  })
}
