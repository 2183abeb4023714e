import {randomInt} from 'node:crypto'
import {EventEmitter} from 'node:events'
import type {Socket} from 'node:net'

import {type Clock, realClock} from '../foundation/clock.js'
import {IvcError} from '../foundation/errors.js'
import type {Logger} from '../foundation/logger.js'
import {decodeEcho, encodeFeedback, encodeRttReport} from '../protocol/media-echo.js'
import {decodeFeedback} from '../protocol/media-feedback.js'
import {MAX_CONNECTIONS, type StreamKind} from '../protocol/media-handshake.js'
import {encodeHeader, encodeMessage, FLAG_END_OF_STREAM, FLAG_KEY_FRAME, type MediaMessage, MediaMessageDecoder} from '../protocol/media-message.js'
import {InFlightLedger} from './in-flight.js'
import {openMediaConnection, retryWhileRefused} from './open-connection.js'

export interface MediaSenderOptions {
  host: string
  port: number
  kind: StreamKind
  /** Parallel TCP connections, 1..64. */
  connections: number
  logger: Logger
  /** The stream's secret (a call's secret): every connection is then TLS keyed by it, and the receiver needs the same. */
  secret?: string
  streamId?: number
  /** A frame still queued this long after capture is dropped (counted) rather than sent late. Default 250 ms. */
  maxQueueDelayMs?: number
  /** Hard bound on frames queued while every connection is busy. Default 64. */
  maxQueuedFrames?: number
  connectTimeoutMs?: number
  /**
   * The receiver may still be starting (a call starts its components together): a refused first connection is tried
   * again (every 20 ms at first, growing to 100 ms) for this long. Default 0: refused is refused.
   */
  waitForListenerMs?: number
  /**
   * Resolve once the first connection is up and send on it at once; the others join as their handshakes complete (a
   * call's first frame need not wait for 20 TLS handshakes). One that fails is left out, logged at info (a call hung
   * up at once ends its handshakes so). Default false: connect() waits for every connection and fails if any fails.
   */
  startOnFirstConnection?: boolean
  /** How often to tell the receiver our RTT estimate. Default 1000 ms. */
  rttReportMs?: number
  /** Capture/send stamps (its monotonicUs), the RTT report interval and end()'s waits. Default realClock. */
  clock?: Clock
}

export interface SenderStats {
  /** Frames handed to a socket. */
  sent: number
  /** Payload bytes handed to a socket. */
  bytes: number
  /** Frames dropped because they waited longer than maxQueueDelayMs or overflowed the queue. */
  dropped: number
  /** Frames waiting because every connection is busy. */
  queued: number
  /** Times a connection became busy (write() returned false). */
  busyEvents: number
  /** Bytes written and not yet echoed by the receiver, over every connection. */
  inFlightBytes: number
  /** Bytes the receiver has echoed, over every connection (header included, as inFlightBytes). */
  deliveredBytes: number
  /**
   * How long the oldest frame still in flight among those sent after the newest one echoed has been on its way, µs
   * (0 with none): the queue the link is holding. Older unechoed frames are not counted: frames sent after them
   * have arrived, so they wait for TCP to resend a lost segment on their connection, which new frames go around.
   */
  inFlightQueueUs: number
  openConnections: number
  /** Latest and minimum round-trip time from echoes, µs (undefined before the first echo). */
  rttUs: number | undefined
  minRttUs: number | undefined
}

export interface EchoSample {
  seq: number
  rttUs: number
}

interface Lane {
  index: number
  socket: Socket
  busy: boolean
  open: boolean
  decoder: MediaMessageDecoder
}

interface Pending {
  seq: number
  header: Buffer
  payload: Buffer
  captureUs: number
}

/**
 * The sending end of one media stream over N parallel TCP connections ("lanes"). The receiver echoes every frame on
 * the lane it came by, so the sender knows what each lane still has in flight: bytes in Node's buffer, the kernel's,
 * or the network. Each frame goes whole onto a lane with nothing in flight (the lowest-numbered, to keep few lanes
 * warm), else onto the one with the fewest bytes in flight. A lane whose segment was lost waits for TCP to retransmit
 * it and holds everything behind it, so new frames go around it instead of joining the wait. (Copying a stuck frame
 * onto an idle lane was tried for audio: the copies, sent just when the link is full, made the queue worse.) A lane
 * whose write() returned false is busy until it drains.
 * When every lane is busy frames wait in a small queue and are dropped (counted) once older than maxQueueDelayMs.
 * Events: 'echo' (EchoSample), 'feedback' (FeedbackReport, the receiver's adaptation report), 'keyframe-request'
 * (KeyframeRequest), 'bad-feedback' (the reason a feedback payload is neither), 'lane-up' ({index}, a connection joining after connect() with
 * startOnFirstConnection), 'lane-lost' ({index, reason}), 'closed' ({reason}) when no lane is left.
 */
export class MediaSender extends EventEmitter {
  readonly streamId: number
  readonly #lanes: Lane[]
  readonly #queue: Pending[] = []
  readonly #inFlight = new InFlightLedger()
  readonly #clock: Clock
  readonly #maxQueueDelayUs: number
  readonly #maxQueuedFrames: number
  readonly #rttTimer: unknown
  /** While end() waits for the queue to drain: told after every flush, lost lane and close. */
  #onIdle: (() => void) | undefined
  #seq = 0
  #stats = {sent: 0, bytes: 0, dropped: 0, busyEvents: 0}
  #rttUs: number | undefined
  #minRttUs: number | undefined
  #closed = false

  private constructor(
    sockets: Array<{socket: Socket; rest: Buffer}>,
    streamId: number,
    private readonly options: MediaSenderOptions,
  ) {
    super()
    this.streamId = streamId
    this.#clock = options.clock ?? realClock
    this.#maxQueueDelayUs = (options.maxQueueDelayMs ?? 250) * 1000
    this.#maxQueuedFrames = options.maxQueuedFrames ?? 64
    this.#lanes = sockets.map(({socket, rest}, index) => this.#attach(index, socket, rest))
    this.#rttTimer = this.#clock.setInterval(() => this.#reportRtt(), options.rttReportMs ?? 1000)
  }

  /** Open every connection and complete its handshake; fails as a whole if any connection fails. */
  static async connect(options: MediaSenderOptions): Promise<MediaSender> {
    const count = options.connections
    if (!Number.isInteger(count) || count < 1 || count > MAX_CONNECTIONS) {
      throw new IvcError('BAD_USAGE', `--connections must be 1..${MAX_CONNECTIONS}, not ${count}`)
    }

    const streamId = options.streamId ?? randomInt(1, 2 ** 31)
    const clock = options.clock ?? realClock
    const open = (connectionIndex: number) =>
      openMediaConnection(options.host, options.port, {kind: options.kind, streamId, connectionIndex, connectionCount: count}, options.secret, options.connectTimeoutMs ?? 5000, clock)
    const first = await retryWhileRefused(() => open(0), options.waitForListenerMs ?? 0, clock)
    options.logger.debug(`${options.kind} connection 0 of ${count} up`)
    if (options.startOnFirstConnection) {
      const sender = new MediaSender([first], streamId, options)
      sender.#join(Array.from({length: count - 1}, (_, index) => ({index: index + 1, opening: open(index + 1)})))
      return sender
    }

    const results = [{status: 'fulfilled', value: first} as const, ...(await Promise.allSettled(Array.from({length: count - 1}, (_, index) => open(index + 1))))]
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected')
    if (failed) {
      for (const result of results) if (result.status === 'fulfilled') result.value.socket.destroy()
      throw failed.reason
    }

    options.logger.debug(`${options.kind}: all ${count} connections up`)
    return new MediaSender(results.map((result) => (result as PromiseFulfilledResult<{socket: Socket; rest: Buffer}>).value), streamId, options)
  }

  get stats(): SenderStats {
    return {
      ...this.#stats,
      queued: this.#queue.length,
      inFlightBytes: this.#inFlight.totalBytes,
      deliveredBytes: this.#inFlight.deliveredBytes,
      inFlightQueueUs: this.#inFlight.queueUs(this.#clock.monotonicUs()),
      openConnections: this.#lanes.filter((lane) => lane.open).length,
      rttUs: this.#rttUs,
      minRttUs: this.#minRttUs,
    }
  }

  /**
   * Send one frame captured at `captureUs` (this sender's clock). Returns its sequence number; the frame may still
   * be dropped later if it waits too long for a free connection.
   */
  send(payload: Buffer, captureUs: number, options: {key?: boolean} = {}): number {
    const seq = this.#seq
    this.#seq = (this.#seq + 1) >>> 0
    if (this.#closed) return seq
    if (seq === 0) this.options.logger.debug(`${this.options.kind}: first frame handed to a connection`)
    const header = {type: 'frame' as const, flags: options.key ? FLAG_KEY_FRAME : 0, seq, captureUs, senderDelayUs: 0, payloadLength: payload.length}
    this.#queue.push({seq, header: encodeHeader(header), payload, captureUs})
    while (this.#queue.length > this.#maxQueuedFrames) this.#drop(this.#queue.shift()!)
    this.#flush()
    return seq
  }

  /** Send an opaque feedback message (JSON by convention) to the receiver. */
  sendFeedback(payload: Buffer): boolean {
    return this.#control(encodeFeedback(payload))
  }

  /** Graceful end: wait briefly for queued frames, send end-of-stream on every connection, close. */
  async end(timeoutMs = 2000): Promise<void> {
    if (this.#closed) return
    const clock = this.#clock
    const deadline = clock.now() + timeoutMs
    await this.#drained(timeoutMs)
    if (this.#closed) return
    for (const pending of this.#queue.splice(0)) this.#drop(pending)
    const eos = encodeMessage({type: 'frame', flags: FLAG_END_OF_STREAM, seq: this.#seq, captureUs: clock.monotonicUs(), senderDelayUs: 0, payload: Buffer.alloc(0)})
    const closing = this.#lanes
      .filter((lane) => lane.open)
      .map(
        (lane) =>
          new Promise<void>((resolve) => {
            lane.socket.once('close', () => resolve())
            lane.socket.end(eos)
          }),
      )
    let timer: unknown
    const late = new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, Math.max(0, deadline - clock.now()) + 500)))
    await Promise.race([Promise.all(closing), late])
    clock.clearTimeout(timer)
    this.close()
  }

  /** Resolves once the queue is empty, no lane is open or we closed, or after `timeoutMs`, whichever comes first. */
  #drained(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#clock.clearTimeout(timer)
        this.#onIdle = undefined
        resolve()
      }

      const timer = this.#clock.setTimeout(done, timeoutMs)
      this.#onIdle = () => {
        if (this.#queue.length === 0 || this.#closed || !this.#lanes.some((lane) => lane.open)) done()
      }

      this.#onIdle()
    })
  }

  /** Close every connection at once. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#clock.clearTimeout(this.#rttTimer)
    for (const lane of this.#lanes) lane.socket.destroy()
    this.#onIdle?.()
  }

  /** startOnFirstConnection: each connection still opening becomes a lane once up (or is closed, if we are). */
  #join(pending: Array<{index: number; opening: Promise<{socket: Socket; rest: Buffer}>}>): void {
    let joined = 1
    for (const {index, opening} of pending) {
      opening.then(
        ({socket, rest}) => {
          if (this.#closed) return void socket.destroy()
          // In index order, as connect() builds them: frames prefer the lowest-numbered idle lane.
          const at = this.#lanes.findIndex((lane) => lane.index > index)
          this.#lanes.splice(at === -1 ? this.#lanes.length : at, 0, this.#attach(index, socket, rest))
          this.emit('lane-up', {index})
          if (++joined === pending.length + 1) this.options.logger.debug(`${this.options.kind}: all ${joined} connections up`)
          this.#flush()
        },
        (error: Error) => {
          if (!this.#closed) this.options.logger.info(`media connection ${index} could not open: ${error.message}`)
        },
      )
    }
  }

  #attach(index: number, socket: Socket, rest: Buffer): Lane {
    // Frames from the receiver are never legal: a zero frame bound rejects them.
    const lane: Lane = {index, socket, busy: false, open: true, decoder: new MediaMessageDecoder(0)}
    socket.on('drain', () => {
      lane.busy = false
      this.#flush()
    })
    socket.on('data', (chunk: Buffer) => this.#onData(lane, chunk))
    socket.on('error', (error) => this.options.logger.debug(`media connection ${index}: ${error.message}`))
    socket.on('close', () => this.#lost(lane, 'closed by the peer'))
    if (rest.length > 0) this.#onData(lane, rest)
    socket.resume()
    return lane
  }

  #onData(lane: Lane, chunk: Buffer): void {
    const {messages, error} = lane.decoder.push(chunk)
    for (const message of messages) this.#onMessage(lane, message)
    if (error) {
      this.options.logger.warn(`media connection ${lane.index}: ${error}; closing it`)
      lane.socket.destroy()
    }
  }

  #onMessage(lane: Lane, message: MediaMessage): void {
    if (message.type === 'echo') {
      const echo = decodeEcho(message)
      this.#inFlight.echoed(lane.index, echo.seq)
      const rttUs = this.#clock.monotonicUs() - echo.sendUs - echo.holdUs
      if (rttUs < 0) return
      this.#rttUs = rttUs
      this.#minRttUs = Math.min(this.#minRttUs ?? rttUs, rttUs)
      this.emit('echo', {seq: echo.seq, rttUs} satisfies EchoSample)
    } else if (message.type === 'feedback') {
      // Decoded here, where it arrives, once: the pipeline and adapt/ only ever see reports.
      const feedback = decodeFeedback(message.payload)
      if (!feedback.ok) this.emit('bad-feedback', feedback.reason)
      else if (feedback.value.kind === 'report') this.emit('feedback', feedback.value.report)
      else this.emit('keyframe-request', feedback.value.request)
    }
  }

  #lost(lane: Lane, reason: string): void {
    if (!lane.open) return
    lane.open = false
    if (this.#closed) return
    this.#inFlight.forget(lane.index)
    this.emit('lane-lost', {index: lane.index, reason})
    this.#onIdle?.()
    if (this.#lanes.every((each) => !each.open)) {
      this.close()
      this.emit('closed', {reason: 'every connection closed'})
    } else {
      this.#flush()
    }
  }

  /** Write queued frames, oldest first, to free lanes; drop those that waited too long. */
  #flush(): void {
    this.#write()
    this.#onIdle?.()
  }

  #write(): void {
    const now = this.#clock.monotonicUs()
    while (this.#queue.length > 0) {
      const head = this.#queue[0]
      if (now - head.captureUs > this.#maxQueueDelayUs) {
        this.#drop(this.#queue.shift()!)
        continue
      }

      const lane = this.#freeLane()
      if (!lane) return
      this.#queue.shift()
      head.header.writeUInt32BE(Math.min(0xffffffff, Math.max(0, now - head.captureUs)), 16)
      lane.socket.cork()
      lane.socket.write(head.header)
      const accepted = lane.socket.write(head.payload)
      lane.socket.uncork()
      const bytes = head.header.length + head.payload.length
      this.#inFlight.written(lane.index, head.seq, bytes, now)

      this.#stats.sent++
      this.#stats.bytes += head.payload.length
      if (!accepted) {
        lane.busy = true
        this.#stats.busyEvents++
      }
    }
  }

  /** A lane with nothing in flight (the lowest-numbered), else the one with the fewest bytes in flight. */
  #freeLane(): Lane | undefined {
    let best: Lane | undefined
    for (const lane of this.#lanes) {
      if (!lane.open || lane.busy || this.#inFlight.full(lane.index)) continue
      if (!best || this.#inFlight.bytes(lane.index) < this.#inFlight.bytes(best.index)) best = lane
    }

    return best
  }

  #drop(_pending: Pending): void {
    this.#stats.dropped++
  }

  /** Small control messages go on the least-loaded open lane even when it is busy: they are tiny and rare. */
  #control(message: Buffer): boolean {
    const lane = this.#lanes.filter((each) => each.open).sort((a, b) => a.socket.writableLength - b.socket.writableLength)[0]
    if (!lane || this.#closed) return false
    lane.socket.write(message)
    return true
  }

  #reportRtt(): void {
    if (this.#rttUs !== undefined) this.#control(encodeRttReport(this.#rttUs))
  }
}

