import {randomBytes} from 'node:crypto'

import type {Redis} from 'ioredis'

import {type Clock, realClock} from '../foundation/clock.js'
import {IvcError, type ErrorCode, ERRORS, isIvcError} from '../foundation/errors.js'
import type {Logger} from '../foundation/logger.js'
import {decodeEnvelope, encodeEnvelope, ENVELOPE_VERSION, type Envelope} from './envelope.js'
import {busKeys} from './keys.js'
import {
  describeIssue,
  replyBodySchema,
  requestSpec,
  type RequestBody,
  type RequestEnvelope,
  type RequestResult,
  type RequestType,
  type ServedComponent,
  type Topic,
  type TopicBody,
  type TopicEnvelope,
  type TopicType,
  topicSchema,
} from './messages.js'
import {openRedis, reportOutages} from './redis-client.js'

export interface BusOptions {
  redis: string
  user: string
  component: string
  logger: Logger
  connectTimeoutMs?: number
  /** Request timeouts, the liveness refresh, and wallMs() for envelope and liveness stamps. Default realClock. */
  clock?: Clock
}

type RawHandler = (envelope: Envelope) => void | Promise<void>
export type EventHandler<T extends Topic> = (envelope: TopicEnvelope<T>) => void | Promise<void>
export type RequestHandler<C extends ServedComponent> = (request: RequestEnvelope<C>) => unknown | Promise<unknown>

/** What the bus of this process refused, by where it came in: the counters `Bus.rejections` keeps. */
export interface BusRejections {
  /** Not an envelope at all (not JSON, too big, fields wrong). */
  envelope: number
  /** An event whose type its topic does not have, or whose body does not fit that type (src/bus/messages.ts). */
  event: number
  /** A request of a type this component does not serve, or whose body does not fit; answered with BAD_USAGE. */
  request: number
  /** A reply that is not `{ok, result | error}`, or whose result does not fit the request's. */
  reply: number
}

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
  #handlers = new Map<string, Set<RawHandler>>()
  /** Counted rejections of malformed messages; see BusRejections. */
  readonly rejections: BusRejections = {envelope: 0, event: 0, request: 0, reply: 0}
  #pending = new Map<string, Pending>()
  #liveness: unknown
  #nextId = 0
  readonly #rejectedKeys = new Map<string, number>()
  #closed = false

  private constructor(
    readonly redis: Redis,
    readonly options: BusOptions,
  ) {
    this.keys = busKeys(options.user)
    this.instance = `${options.component}.${process.pid}.${randomBytes(3).toString('hex')}`
  }

  static async connect(options: BusOptions): Promise<Bus> {
    const redis = await openRedis(options.redis, options.logger, options.connectTimeoutMs, `bus ${options.component}`)
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
  async publish<T extends Topic, K extends TopicType<T>>(topic: T, type: K, body: TopicBody<T, K>, extra: {callId?: string} = {}): Promise<number> {
    return this.redis.publish(this.keys.events(topic), encodeEnvelope(this.envelope(type, body, extra)))
  }

  /**
   * Call `handler` with every valid envelope published on `topic`, its body parsed by the schema of its type
   * (src/bus/messages.ts); anything else is a counted rejection. Returns an unsubscribe function.
   */
  async subscribe<T extends Topic>(topic: T, handler: EventHandler<T>): Promise<() => Promise<void>> {
    return this.#listen(this.keys.events(topic), (envelope) => {
      const schema = topicSchema(topic, envelope.type)
      if (!schema) return this.#reject('event', `${topic}/${envelope.type}`, `event ${envelope.type} from ${envelope.from} is not one of topic ${topic}; dropped`)
      const parsed = schema.safeParse(envelope.body)
      if (!parsed.success) return this.#reject('event', `${topic}/${envelope.type}`, `bad ${envelope.type} from ${envelope.from}: ${describeIssue(parsed.error)}; dropped`)
      return handler({...envelope, body: parsed.data} as TopicEnvelope<T>)
    })
  }

  /**
   * Answer requests addressed to this component (`component` must be it): the handler gets the request with its body
   * parsed by its type's schema, and its return value is the reply's result. A request of a type the component does
   * not serve, or with a body that does not fit, is answered BAD_USAGE and counted.
   */
  async serve<C extends ServedComponent>(component: C, handler: RequestHandler<C>): Promise<() => Promise<void>> {
    if (component !== this.options.component) throw new IvcError('BUG', `a ${this.options.component} bus cannot serve ${component} requests`)
    return this.#listen(this.keys.commands(component), async (request) => {
      if (!request.id) {
        this.#reject('request', `${request.type}/no-id`, `request ${request.type} from ${request.from} has no id; ignored`)
        return
      }

      let body: unknown
      try {
        const spec = requestSpec(component, request.type)
        if (!spec) {
          this.#reject('request', request.type, `request ${request.type} from ${request.from}: ${component} does not serve it`)
          throw new IvcError('BAD_USAGE', `the ${component} component does not handle ${request.type}`)
        }

        const parsed = spec.body.safeParse(request.body ?? {})
        if (!parsed.success) {
          const why = describeIssue(parsed.error)
          this.#reject('request', request.type, `bad ${request.type} request from ${request.from}: ${why}`)
          throw new IvcError('BAD_USAGE', `bad ${request.type} request: ${why}`)
        }

        body = {ok: true, result: await handler({...request, body: parsed.data} as RequestEnvelope<C>)}
      } catch (error) {
        const code: ErrorCode = isIvcError(error) ? error.code : 'BUG'
        body = {ok: false, error: {code, message: (error as Error).message}}
      }

      await this.redis.publish(this.keys.replies(request.from), encodeEnvelope(this.envelope(`${request.type}.reply`, body, {replyTo: request.id, callId: request.callId})))
    })
  }

  /** Send a request to a component of this user and wait for its reply; resolves to its result, checked. */
  async request<C extends ServedComponent, K extends RequestType<C>>(
    component: C,
    type: K,
    body: RequestBody<C, K>,
    options: {timeoutMs?: number; callId?: string} = {},
  ): Promise<RequestResult<C, K>> {
    const spec = requestSpec(component, type)
    if (!spec) throw new IvcError('BAD_USAGE', `${component} serves no "${type}" request`)
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

    const parsed = replyBodySchema.safeParse(await reply)
    if (!parsed.success) {
      this.#reject('reply', `${type}.reply`, `bad reply to ${type} from ${component}: ${describeIssue(parsed.error)}`)
      throw new IvcError('PROTOCOL_ERROR', `${component} answered "${type}" with a malformed reply`)
    }

    const answer = parsed.data
    if (!answer.ok) {
      const code: ErrorCode = Object.hasOwn(ERRORS, answer.error.code) ? (answer.error.code as ErrorCode) : 'BUG'
      throw new IvcError(code, answer.error.message)
    }

    const result = spec.result.safeParse(answer.result)
    if (!result.success) {
      this.#reject('reply', `${type}.reply`, `bad result of ${type} from ${component}: ${describeIssue(result.error)}`)
      throw new IvcError('PROTOCOL_ERROR', `${component} answered "${type}" with a malformed result`)
    }

    return result.data as RequestResult<C, K>
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
      refresh().catch((error: Error) => {
        // While Redis is away its outage was reported once (redis-client.ts); every refresh failing is no news.
        const level = this.redis.status === 'ready' ? 'warn' : 'debug'
        this.options.logger[level](`liveness refresh failed: ${error.message}`)
      })
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

  /**
   * Count a rejected message and log it: the 1st, 10th, 100th, ... of each kind and key, so a flood of them (anyone
   * on this host who reaches Redis can publish) cannot flood the log.
   */
  #reject(kind: keyof BusRejections, key: string, message: string): void {
    const count = ++this.rejections[kind]
    const seen = (this.#rejectedKeys.get(`${kind}:${key}`) ?? 0) + 1
    if (this.#rejectedKeys.size < 1000 || this.#rejectedKeys.has(`${kind}:${key}`)) this.#rejectedKeys.set(`${kind}:${key}`, seen)
    if (/^10*$/.test(String(seen))) this.options.logger.warn(`${message}${seen > 1 ? ` (${seen} such, ${count} ${kind} rejections in all)` : ''}`)
  }

  async #listen(channel: string, handler: RawHandler): Promise<() => Promise<void>> {
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
      reportOutages(subscriber, `bus ${this.options.component} subscriber`, this.options.logger)
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
      this.#reject('envelope', `${channel} ${decoded.reason}`, `bad envelope on ${channel}: ${decoded.reason}; dropped`)
      return
    }

    for (const handler of handlers) {
      Promise.resolve()
        .then(() => handler(decoded.value))
        .catch((error: Error) => this.options.logger.warn(`handler for ${channel} failed: ${error.message}`))
    }
  }
}
