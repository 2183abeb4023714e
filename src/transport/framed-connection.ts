import type {Socket} from 'node:net'

import {type Clock, realClock} from '../foundation/clock.js'
import {IvcError} from '../foundation/errors.js'
import type {Logger} from '../foundation/logger.js'
import type {MessageCodec, MessageDecoder} from '../protocol/call/codec.js'
import type {FrameError} from '../protocol/call/errors.js'
import {clientHandshakeError, secureClient} from '../security/tls-psk.js'
import {type LivenessChange, PeerLiveness} from './liveness.js'
import {tcpConnect} from './tcp-connect.js'

/**
 * One framed peer connection (call signalling or call control) over a net.Socket: decodes what arrives with the
 * streaming decoder, writes with backpressure, keeps the link alive, and says exactly why it closed. Garbage from
 * the peer closes the connection with a logged reason; it never throws into the caller.
 */
export interface KeepaliveOptions {
  /** Send a keepalive this often. */
  intervalMs: number
  /** Close when nothing at all arrived for this long (the peer is gone, not just stalled). */
  timeoutMs: number
  /** Report the peer as stalled (onLiveness) after this much silence; default: never before the timeout. */
  stalledAfterMs?: number
}

export interface FramedOptions<M> {
  codec: MessageCodec<M & {type: string}>
  logger: Logger
  /** For log lines and errors, e.g. "signalling with bob". */
  name?: string
  keepalive?: KeepaliveOptions
  clock?: Clock
  /** Frames queued while the socket is not draining; beyond this the peer is not reading and we give up. */
  maxQueuedBytes?: number
  /** Messages nobody has read yet (no listener, no next()); beyond this the connection closes. */
  maxUnread?: number
}

export interface CloseInfo {
  reason: string
  /** local: we closed it; peer: the peer closed, reset or went silent; protocol: the peer sent bad bytes. */
  by: 'local' | 'peer' | 'protocol'
  error?: FrameError
}

type Keepalive = {type: 'keepalive' | 'keepalive-ack'; seq: number; t: number}
const isKeepalive = (m: {type: string}): m is Keepalive => m.type === 'keepalive' || m.type === 'keepalive-ack'

export class FramedConnection<M extends {type: string}> {
  readonly name: string
  readonly closed: Promise<CloseInfo>
  readonly stats = {framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, drainWaits: 0}
  #socket: Socket
  #decoder: MessageDecoder<M>
  #options: Required<Omit<FramedOptions<M>, 'keepalive' | 'name'>> & {keepalive?: KeepaliveOptions}
  #queue: Buffer[] = []
  #queuedBytes = 0
  #waitingDrain = false
  #drainWaiters: Array<() => void> = []
  #unread: M[] = []
  #listeners = new Set<(message: M) => void>()
  #readers: Array<{resolve: (m: M) => void; reject: (e: Error) => void}> = []
  #closeInfo: CloseInfo | undefined
  #resolveClosed!: (info: CloseInfo) => void
  #endAfterFlush = false
  #liveness: PeerLiveness | undefined
  #livenessListeners = new Set<(change: LivenessChange) => void>()
  #keepaliveTimer: unknown
  #seq = 0
  #rttMs: number | undefined

  constructor(socket: Socket, options: FramedOptions<M>) {
    this.#socket = socket
    this.name = options.name ?? `${options.codec.spec.protocol} with ${socket.remoteAddress}:${socket.remotePort}`
    this.#options = {
      ...options,
      clock: options.clock ?? realClock,
      maxQueuedBytes: options.maxQueuedBytes ?? 256 * 1024,
      maxUnread: options.maxUnread ?? 64,
    }
    this.#decoder = options.codec.decoder() as MessageDecoder<M>
    const {keepalive} = options
    if (keepalive) {
      const bounds = {stalledAfterMs: keepalive.stalledAfterMs ?? keepalive.timeoutMs, goneAfterMs: keepalive.timeoutMs, checkEveryMs: keepalive.intervalMs}
      this.#liveness = new PeerLiveness(bounds, this.#options.clock)
    }

    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve))
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => this.#onData(chunk))
    socket.on('end', () => this.#onEnd())
    socket.on('error', (error: NodeJS.ErrnoException) => this.#note({reason: describeSocketError(error), by: 'peer'}))
    socket.on('close', () => this.#onClose())
    socket.on('drain', () => this.#flush())
    if (options.keepalive) this.#scheduleKeepalive()
  }

  /**
   * Connect to a peer; a refusal, unreachable host or timeout is PEER_UNREACHABLE. With `secret`, the connection is
   * TLS keyed by it (a peer without the same secret is AUTH_FAILED).
   */
  static async connect<M extends {type: string}>(
    host: string,
    port: number,
    options: FramedOptions<M> & {connectTimeoutMs?: number; secret?: string},
  ): Promise<FramedConnection<M>> {
    const timeoutMs = options.connectTimeoutMs ?? 5000
    const socket = await tcpConnect(host, port, timeoutMs, options.clock)
    if (options.secret === undefined) return new FramedConnection<M>(socket, options)
    const tls = await secureClient(socket, options.secret, {purpose: 'control'}, timeoutMs, options.clock).catch((error: unknown) => {
      throw clientHandshakeError(error, `${host}:${port}`)
    })
    return new FramedConnection<M>(tls, options)
  }

  get isClosed(): boolean {
    return this.#closeInfo !== undefined
  }

  /** Round-trip time of the last answered keepalive, in ms. */
  get rttMs(): number | undefined {
    return this.#rttMs
  }

  get remoteAddress(): string | undefined {
    return this.#socket.remoteAddress
  }

  /** `listener` hears when the peer stalls (silent past `stalledAfterMs`) and when it is heard again. */
  onLiveness(listener: (change: Exclude<LivenessChange, {kind: 'gone'}>) => void): () => void {
    this.#livenessListeners.add(listener as (change: LivenessChange) => void)
    return () => this.#livenessListeners.delete(listener as (change: LivenessChange) => void)
  }

  onMessage(listener: (message: M) => void): () => void {
    this.#listeners.add(listener)
    for (const message of this.#unread.splice(0)) this.#deliver(message)
    return () => this.#listeners.delete(listener)
  }

  /** The next message; rejects (PEER_GONE or PROTOCOL_ERROR) if the connection closes first. */
  next(): Promise<M> {
    const queued = this.#unread.shift()
    if (queued) return Promise.resolve(queued)
    if (this.#closeInfo) return Promise.reject(this.#closedError(this.#closeInfo))
    return new Promise((resolve, reject) => this.#readers.push({resolve, reject}))
  }

  /** Queue one message; false if the connection is already closed. Honours backpressure (never blocks). */
  send(message: M): boolean {
    if (this.#closeInfo || this.#endAfterFlush) return false
    this.#write(this.#options.codec.encode(message))
    return true
  }

  /** Resolves once everything sent has been handed to the kernel (or the connection closed). */
  drained(): Promise<void> {
    if (!this.#waitingDrain || this.#closeInfo) return Promise.resolve()
    return new Promise((resolve) => this.#drainWaiters.push(resolve))
  }

  /** Close gracefully: what was sent is flushed first. Resolves when the socket is closed. */
  close(reason: string): Promise<CloseInfo> {
    this.#note({reason, by: 'local'})
    this.#endAfterFlush = true
    if (!this.#waitingDrain) this.#socket.end()
    // A peer that never reads must not hold us: give up on the flush after a bounded time.
    const timer = this.#options.clock.setTimeout(() => this.#socket.destroy(), 2000)
    return this.closed.finally(() => this.#options.clock.clearTimeout(timer))
  }

  /** Close at once, dropping anything unsent. */
  destroy(reason: string, by: CloseInfo['by'] = 'local', error?: FrameError): void {
    this.#note({reason, by, ...(error ? {error} : {})})
    this.#socket.destroy()
  }

  #write(frame: Buffer): void {
    this.stats.framesOut += 1
    this.stats.bytesOut += frame.length
    if (this.#waitingDrain) {
      this.#queue.push(frame)
      this.#queuedBytes += frame.length
      if (this.#queuedBytes > this.#options.maxQueuedBytes) this.destroy(`send queue over ${this.#options.maxQueuedBytes} bytes: the peer is not reading`, 'peer')
      return
    }

    if (!this.#socket.write(frame)) {
      this.#waitingDrain = true
      this.stats.drainWaits += 1
    }
  }

  #flush(): void {
    this.#waitingDrain = false
    while (this.#queue.length > 0 && !this.#waitingDrain) {
      const frame = this.#queue.shift()!
      this.#queuedBytes -= frame.length
      if (!this.#socket.write(frame)) {
        this.#waitingDrain = true
        this.stats.drainWaits += 1
      }
    }

    if (this.#waitingDrain) return
    for (const resolve of this.#drainWaiters.splice(0)) resolve()
    if (this.#endAfterFlush) this.#socket.end()
  }

  #onData(chunk: Buffer): void {
    if (this.#closeInfo && this.#closeInfo.by !== 'local') return
    this.stats.bytesIn += chunk.length
    const resumed = this.#liveness?.heard()
    if (resumed) this.#tellLiveness(resumed)
    const step = this.#decoder.push(chunk)
    for (const message of step.messages) {
      this.stats.framesIn += 1
      if (isKeepalive(message)) this.#onKeepalive(message)
      else this.#deliver(message)
    }

    if (step.error) this.#protocolError(step.error)
  }

  #onEnd(): void {
    const error = this.#decoder.end()
    if (error) this.#protocolError(error)
    else this.#note({reason: 'closed by the peer', by: 'peer'})
  }

  #protocolError(error: FrameError): void {
    this.#options.logger.warn(`${this.name}: ${error.message}; closing`)
    this.destroy(`protocol error: ${error.message}`, 'protocol', error)
  }

  #deliver(message: M): void {
    const reader = this.#readers.shift()
    if (reader) return reader.resolve(message)
    if (this.#listeners.size === 0) {
      this.#unread.push(message)
      if (this.#unread.length > this.#options.maxUnread) this.destroy(`more than ${this.#options.maxUnread} unread messages`)
      return
    }

    for (const listener of this.#listeners) {
      try {
        listener(message)
      } catch (error) {
        this.#options.logger.error(`${this.name}: a message handler failed: ${String(error)}`)
      }
    }
  }

  #onKeepalive(message: Keepalive): void {
    if (message.type === 'keepalive') this.send({type: 'keepalive-ack', seq: message.seq, t: message.t} as unknown as M)
    else this.#rttMs = Math.max(0, this.#options.clock.now() - message.t)
  }

  #scheduleKeepalive(): void {
    const {keepalive, clock} = this.#options
    if (!keepalive || this.#closeInfo) return
    this.#keepaliveTimer = clock.setTimeout(() => {
      const change = this.#liveness!.check()
      if (change?.kind === 'gone') {
        const seconds = (change.silentMs / 1000).toFixed(1)
        this.#options.logger.warn(`${this.name}: nothing heard for ${seconds} s; closing`)
        this.destroy(`nothing heard from the peer for ${seconds} s (the stall timeout is ${keepalive.timeoutMs / 1000} s)`, 'peer')
        return
      }

      if (change) this.#tellLiveness(change)
      this.#seq = (this.#seq + 1) >>> 0
      this.send({type: 'keepalive', seq: this.#seq, t: Math.floor(clock.now())} as unknown as M)
      this.#scheduleKeepalive()
    }, keepalive.intervalMs)
  }

  #tellLiveness(change: LivenessChange): void {
    if (change.kind === 'stalled') this.#options.logger.info(`${this.name}: nothing heard for ${(change.silentMs / 1000).toFixed(1)} s; waiting`)
    else this.#options.logger.info(`${this.name}: heard again after ${(change.silentMs / 1000).toFixed(1)} s`)
    for (const listener of this.#livenessListeners) {
      try {
        listener(change)
      } catch (error) {
        this.#options.logger.error(`${this.name}: a liveness handler failed: ${String(error)}`)
      }
    }
  }

  /** The first reason wins: later events of the same teardown (end, then close) do not overwrite it. */
  #note(info: CloseInfo): void {
    this.#closeInfo ??= info
  }

  #onClose(): void {
    this.#note({reason: 'connection closed', by: 'peer'})
    const info = this.#closeInfo!
    this.#options.clock.clearTimeout(this.#keepaliveTimer)
    for (const resolve of this.#drainWaiters.splice(0)) resolve()
    for (const reader of this.#readers.splice(0)) reader.reject(this.#closedError(info))
    this.#options.logger.debug(`${this.name}: closed (${info.by}): ${info.reason}`)
    this.#resolveClosed(info)
  }

  #closedError(info: CloseInfo): IvcError {
    return new IvcError(info.by === 'protocol' ? 'PROTOCOL_ERROR' : 'PEER_GONE', `${this.name}: ${info.reason}`)
  }
}

function describeSocketError(error: NodeJS.ErrnoException): string {
  if (error.code === 'ECONNRESET') return 'connection reset by the peer'
  if (error.code === 'EPIPE') return 'the peer closed while we were writing'
  return `socket error: ${error.code ?? error.message}`
}
