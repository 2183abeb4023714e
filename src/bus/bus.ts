import {randomBytes} from 'node:crypto'

import type {Redis} from 'ioredis'

import {type Clock, realClock} from '../foundation/clock.js'
import {IvcError, type ErrorCode, ERRORS, isIvcError} from '../foundation/errors.js'
import type {Logger} from '../foundation/logger.js'
import {decodeEnvelope, encodeEnvelope, ENVELOPE_VERSION, type Envelope} from './envelope.js'
import {busKeys} from './keys.js'
import {openRedis} from './redis-client.js'

export interface BusOptions {
  redis: string
  user: string
  component: string
  logger: Logger
  connectTimeoutMs?: number
  /** Request timeouts, the liveness refresh, and wallMs() for envelope and liveness stamps. Default realClock. */
  clock?: Clock
}

export type EventHandler = (envelope: Envelope) => void | Promise<void>
export type RequestHandler = (envelope: Envelope) => unknown | Promise<unknown>

interface Pending {
  resolve: (body: unknown) => void
  reject: (error: Error) => void
  timer: unknown
}

/**
 * The local bus between the components of one user (docs/bus.md): events on pub/sub, request/reply with a timeout,
 * current state in hashes, and a liveness key with a TTL per process. The only way ivc components talk to each other.
 */
export class Bus {
  readonly keys: ReturnType<typeof busKeys>
  /** This process's name on the bus: `<component>.<pid>.<random>`; replies to our requests come to it. */
  readonly instance: string
  #subscriber: Redis | undefined
  #subscriberReady: Promise<Redis> | undefined
  readonly #subscribing = new Map<string, Promise<void>>()
  #handlers = new Map<string, Set<EventHandler>>()
  #pending = new Map<string, Pending>()
  #liveness: unknown
  #nextId = 0
  #closed = false

  private constructor(
    readonly redis: Redis,
    readonly options: BusOptions,
  ) {
    this.keys = busKeys(options.user)
    this.instance = `${options.component}.${process.pid}.${randomBytes(3).toString('hex')}`
  }

  static async connect(options: BusOptions): Promise<Bus> {
    const redis = await openRedis(options.redis, options.logger, options.connectTimeoutMs)
    const bus = new Bus(redis, options)
    return bus
  }

  get #clock(): Clock {
    return this.options.clock ?? realClock
  }

  get user(): string {
    return this.options.user
  }

  envelope<B>(type: string, body: B, extra: Partial<Pick<Envelope, 'callId' | 'id' | 'replyTo'>> = {}): Envelope<B> {
    return {v: ENVELOPE_VERSION, type, from: this.instance, ...extra, ts: this.#clock.wallMs(), body}
  }

  /** Publish an event on a topic; resolves to the number of subscribers that got it. */
  async publish(topic: string, type: string, body: unknown, extra: {callId?: string} = {}): Promise<number> {
    return this.redis.publish(this.keys.events(topic), encodeEnvelope(this.envelope(type, body, extra)))
  }

  /** Call `handler` with every valid envelope published on `topic`; returns an unsubscribe function. */
  async subscribe(topic: string, handler: EventHandler): Promise<() => Promise<void>> {
    return this.#listen(this.keys.events(topic), handler)
  }

  /** Answer requests addressed to this component: the handler's return value is the reply body. */
  async serve(handler: RequestHandler): Promise<() => Promise<void>> {
    return this.#listen(this.keys.commands(this.options.component), async (request) => {
      if (!request.id) {
        this.options.logger.warn(`request ${request.type} from ${request.from} has no id; ignored`)
        return
      }

      let body: unknown
      try {
        body = {ok: true, result: await handler(request)}
      } catch (error) {
        const code: ErrorCode = isIvcError(error) ? error.code : 'BUG'
        body = {ok: false, error: {code, message: (error as Error).message}}
      }

      await this.redis.publish(this.keys.replies(request.from), encodeEnvelope(this.envelope(`${request.type}.reply`, body, {replyTo: request.id, callId: request.callId})))
    })
  }

  /** Send a request to a component of this user and wait for its reply. */
  async request<R = unknown>(component: string, type: string, body: unknown = {}, options: {timeoutMs?: number; callId?: string} = {}): Promise<R> {
    await this.#ensureReplyChannel()
    const id = `${this.instance}#${++this.#nextId}`
    const timeoutMs = options.timeoutMs ?? 3000
    const reply = new Promise<unknown>((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => {
        this.#pending.delete(id)
        reject(new IvcError('BUS_TIMEOUT', `${component} did not answer "${type}" within ${timeoutMs} ms`))
      }, timeoutMs)
      this.#pending.set(id, {resolve, reject, timer})
    })
    const forget = () => {
      const pending = this.#pending.get(id)
      if (pending) {
        this.#clock.clearTimeout(pending.timer)
        this.#pending.delete(id)
      }
    }

    // The reply promise must never reject unobserved: on every early exit the pending entry goes first.
    reply.catch(() => {})
    let receivers: number
    try {
      receivers = await this.redis.publish(this.keys.commands(component), encodeEnvelope(this.envelope(type, body, {id, callId: options.callId})))
    } catch (error) {
      forget()
      throw error
    }

    if (receivers === 0) {
      forget()
      throw new IvcError('BUS_TIMEOUT', `no ${component} is running for user "${this.user}"`)
    }

    const result = (await reply) as {ok: boolean; result?: R; error?: {code: string; message: string}}
    if (!result.ok) {
      const code = (result.error?.code && result.error.code in ERRORS ? result.error.code : 'BUG') as ErrorCode
      throw new IvcError(code, result.error?.message)
    }

    return result.result as R
  }

  /** Replace fields of this component's state hash (values stored as JSON). */
  async setState(fields: Record<string, unknown>, component = this.options.component): Promise<void> {
    const entries = Object.entries(fields).flatMap(([key, value]) => [key, JSON.stringify(value)])
    if (entries.length > 0) await this.redis.hset(this.keys.state(component), ...entries)
  }

  async getState(component: string): Promise<Record<string, unknown>> {
    const raw = await this.redis.hgetall(this.keys.state(component))
    const state: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(raw)) {
      try {
        state[key] = JSON.parse(value)
      } catch {
        this.options.logger.warn(`state ${component}.${key} is not JSON; ignored`)
      }
    }

    return state
  }

  async clearState(component = this.options.component): Promise<void> {
    await this.redis.del(this.keys.state(component))
  }

  /** Keep a liveness key for this process, refreshed at a third of its TTL; it expires if the process dies. */
  async startLiveness(ttlMs = 3000, info: Record<string, unknown> = {}): Promise<void> {
    const key = this.keys.alive(this.options.component, this.instance)
    const value = JSON.stringify({pid: process.pid, instance: this.instance, since: this.#clock.wallMs(), ...info})
    const refresh = () => this.redis.set(key, value, 'PX', ttlMs)
    await refresh()
    this.#liveness = this.#clock.setInterval(() => {
      refresh().catch((error: Error) => this.options.logger.warn(`liveness refresh failed: ${error.message}`))
    }, Math.max(100, Math.floor(ttlMs / 3)))
  }

  /** The live processes of a component of this user, from their liveness keys. */
  async alive(component: string): Promise<Array<{instance: string; pid: number; since: number}>> {
    const found: Array<{instance: string; pid: number; since: number}> = []
    let cursor = '0'
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', this.keys.alivePattern(component), 'COUNT', 200)
      cursor = next
      const values = keys.length > 0 ? await this.redis.mget(...keys) : []
      for (const value of values) {
        if (!value) continue
        try {
          found.push(JSON.parse(value))
        } catch {
          this.options.logger.warn(`liveness value for ${component} is not JSON; ignored`)
        }
      }
    } while (cursor !== '0')
    return found
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#liveness) {
      this.#clock.clearTimeout(this.#liveness)
      await this.redis.del(this.keys.alive(this.options.component, this.instance)).catch(() => {})
    }

    for (const [id, pending] of this.#pending) {
      this.#clock.clearTimeout(pending.timer)
      pending.reject(new IvcError('BUS_TIMEOUT', 'bus closed before the reply came'))
      this.#pending.delete(id)
    }

    this.#subscriber?.disconnect()
    await this.redis.quit().catch(() => this.redis.disconnect())
  }

  async #ensureReplyChannel(): Promise<void> {
    const channel = this.keys.replies(this.instance)
    if (this.#handlers.has(channel)) return
    await this.#listen(channel, (reply) => {
      const pending = reply.replyTo ? this.#pending.get(reply.replyTo) : undefined
      if (!pending) return
      this.#clock.clearTimeout(pending.timer)
      this.#pending.delete(reply.replyTo!)
      pending.resolve(reply.body)
    })
  }

  async #listen(channel: string, handler: EventHandler): Promise<() => Promise<void>> {
    const subscriber = await this.#subscriberConnection()
    let handlers = this.#handlers.get(channel)
    if (handlers) {
      // Someone else is subscribing this channel right now: our handler counts once that has worked.
      await this.#subscribing.get(channel)
    } else {
      handlers = new Set()
      this.#handlers.set(channel, handlers)
      const subscribing = subscriber.subscribe(channel).then(() => undefined)
      this.#subscribing.set(channel, subscribing)
      try {
        await subscribing
      } catch (error) {
        // Forget the channel, so the next listener subscribes again instead of trusting a subscription that failed.
        this.#handlers.delete(channel)
        this.#subscribing.delete(channel)
        throw error
      }
    }

    handlers.add(handler)
    return async () => {
      handlers.delete(handler)
      if (handlers.size === 0 && this.#handlers.get(channel) === handlers) {
        this.#handlers.delete(channel)
        if (!this.#closed) await subscriber.unsubscribe(channel)
      }
    }
  }

  /** The one subscriber connection, connected once; concurrent first callers share the same connect. */
  #subscriberConnection(): Promise<Redis> {
    this.#subscriberReady ??= (async () => {
      const subscriber = this.redis.duplicate()
      subscriber.on('error', (error: Error) => this.options.logger.debug(`redis subscriber: ${error.message}`))
      subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => this.#dispatch(channel.toString(), message))
      this.#subscriber = subscriber
      await subscriber.connect()
      return subscriber
    })()
    this.#subscriberReady.catch(() => (this.#subscriberReady = undefined))
    return this.#subscriberReady
  }

  #dispatch(channel: string, message: Buffer): void {
    const handlers = this.#handlers.get(channel)
    if (!handlers) return
    const decoded = decodeEnvelope(message)
    if (!decoded.ok) {
      this.options.logger.warn(`bad envelope on ${channel}: ${decoded.reason}; dropped`)
      return
    }

    for (const handler of handlers) {
      Promise.resolve()
        .then(() => handler(decoded.envelope))
        .catch((error: Error) => this.options.logger.warn(`handler for ${channel} failed: ${error.message}`))
    }
  }
}
