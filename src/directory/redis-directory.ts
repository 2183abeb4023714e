import {randomBytes} from 'node:crypto'

import type {Redis} from 'ioredis'

import {openRedis, reportOutages} from '../bus/redis-client.js'
import {redactRedisUrl} from '../bus/redis-url.js'
import {type Clock, realClock} from '../foundation/clock.js'
import {IvcError} from '../foundation/errors.js'
import type {Logger} from '../foundation/logger.js'
import {validateUsername} from '../foundation/username.js'
import {checkAddressAndPorts, fromRedisHash, parseEntry} from './entry.js'
import {EntryVerifier, signEntry} from './entry-verifier.js'
import {asSeenAt, isLive} from './expiry.js'
import {guard, nameBound} from './failures.js'
import {directoryKeys} from './redis-keys.js'
import {GO_OFFLINE, HEARTBEAT, REGISTER} from './redis-scripts.js'
import type {Directory, DirectoryEntry, DirectoryTiming, DirectoryWatch, HeartbeatResult, ListOptions, LiveStatus, Registration} from './types.js'
import {SnapshotWatcher} from './watcher.js'

export interface RedisDirectoryOptions extends DirectoryTiming {
  /** The Redis holding the directory: redis://, unix:// or a socket path. */
  redis: string
  logger: Logger
  /** Entries are stamped with its wallMs() (compared across hosts); the watch polls on its timers. Default realClock. */
  clock?: Clock
  /** Key prefix; tests use their own so they can share one redis-server. */
  keyPrefix?: string
  connectTimeoutMs?: number
}

type ScriptRedis = Redis & {
  ivcRegister(...args: Array<string | number>): Promise<string[]>
  ivcHeartbeat(...args: Array<string | number>): Promise<HeartbeatResult>
  ivcGoOffline(...args: Array<string | number>): Promise<HeartbeatResult>
}

/** The embedded default directory: entries are hashes in the local (or a given) Redis, expiring by TTL. */
export class RedisDirectory implements Directory {
  readonly kind = 'redis'
  /** Its connections report their outages (src/bus/redis-client.ts). */
  readonly reportsOutages = true
  readonly description: string
  readonly #keys: ReturnType<typeof directoryKeys>
  readonly #clock: Clock
  readonly #sessions = new Map<string, {session: string; publicKey: string}>()
  readonly #verifier: EntryVerifier
  readonly #watchers = new Set<DirectoryWatch>()

  private constructor(
    private readonly redis: ScriptRedis,
    private readonly options: RedisDirectoryOptions,
  ) {
    this.#keys = directoryKeys(options.keyPrefix)
    this.#clock = options.clock ?? realClock
    this.description = `Redis directory at ${redactRedisUrl(options.redis)}`
    this.#verifier = new EntryVerifier(options.logger)
  }

  get unverified(): number {
    return this.#verifier.dropped
  }

  static async open(options: RedisDirectoryOptions): Promise<RedisDirectory> {
    let redis: Redis
    try {
      redis = await openRedis(options.redis, options.logger, options.connectTimeoutMs, 'directory')
    } catch (error) {
      throw new IvcError('DIRECTORY_UNREACHABLE', `cannot reach the Redis directory: ${(error as Error).message}`, {cause: error})
    }

    redis.defineCommand('ivcRegister', {numberOfKeys: 2, lua: REGISTER})
    redis.defineCommand('ivcHeartbeat', {numberOfKeys: 1, lua: HEARTBEAT})
    redis.defineCommand('ivcGoOffline', {numberOfKeys: 1, lua: GO_OFFLINE})
    return new RedisDirectory(redis as ScriptRedis, options)
  }

  async register(registration: Registration): Promise<DirectoryEntry> {
    const {name, address, ports, version, identity} = registration
    validateUsername(name)
    const invalid = checkAddressAndPorts(address, ports)
    if (invalid) throw new IvcError('BAD_USAGE', `cannot register ${name}: ${invalid}`)
    const session = randomBytes(8).toString('hex')
    const now = this.#clock.wallMs()
    const status = registration.status ?? 'online'
    const {publicKey} = identity
    const signed = signEntry({name, address, ports, version, signedAt: now}, identity)
    const [outcome, holder] = await guard('register', () =>
      this.redis.ivcRegister(this.#keys.user(name), this.#keys.names, name, address, now, this.options.expiryMs, this.options.retentionMs, session,
        JSON.stringify(ports), status, version, publicKey, this.#keys.changes, now, signed))
    if (outcome === 'key') throw nameBound(name, holder)
    if (outcome === 'taken') throw new IvcError('NAME_TAKEN', `"${name}" is online from ${holder}`)
    this.#sessions.set(name, {session, publicKey})
    return {name, address, ports, status, since: now, lastSeen: now, version, publicKey, signedAt: now}
  }

  async heartbeat(name: string, update: {status?: LiveStatus} = {}): Promise<HeartbeatResult> {
    const {session, publicKey} = this.#session(name)
    return guard('heartbeat', () =>
      this.redis.ivcHeartbeat(this.#keys.user(name), session, this.#clock.wallMs(), this.options.expiryMs, this.options.retentionMs, update.status ?? '', this.#keys.changes, name, publicKey))
  }

  async goOffline(name: string): Promise<void> {
    const {session} = this.#session(name)
    await guard('go offline', () => this.redis.ivcGoOffline(this.#keys.user(name), session, this.#clock.wallMs(), this.#keys.changes, name))
    this.#sessions.delete(name)
  }

  async lookup(name: string): Promise<DirectoryEntry | undefined> {
    validateUsername(name)
    const hash = await guard('lookup', () => this.redis.hgetall(this.#keys.user(name)))
    if (Object.keys(hash).length === 0) return undefined
    return this.#parse(name, hash)
  }

  async list(options: ListOptions = {}): Promise<DirectoryEntry[]> {
    const onlineOnly = options.onlineOnly ?? true
    const now = this.#clock.wallMs()
    const entries = await this.#readAll()
    return entries.filter((entry) => !onlineOnly || isLive(entry, now, this.options.expiryMs)).map((entry) => asSeenAt(entry, now, this.options.expiryMs))
  }

  async watch(options: {pollMs?: number} = {}): Promise<DirectoryWatch> {
    const subscriber = this.redis.duplicate()
    reportOutages(subscriber, 'directory subscriber', this.options.logger)
    const watcher = new SnapshotWatcher({
      load: () => this.list({onlineOnly: false}),
      clock: this.#clock,
      pollMs: options.pollMs ?? this.options.heartbeatMs,
      logger: this.options.logger,
      failuresReported: true,
      onClose: () => {
        this.#watchers.delete(watcher)
        subscriber.disconnect()
      },
    })
    subscriber.on('message', () => watcher.trigger())
    await guard('watch', async () => {
      await subscriber.connect()
      await subscriber.subscribe(this.#keys.changes)
    })
    this.#watchers.add(watcher)
    return watcher.start()
  }

  async close(): Promise<void> {
    await Promise.all([...this.#watchers].map((watcher) => watcher.close()))
    await this.redis.quit().catch(() => this.redis.disconnect())
  }

  /** Every stored entry, parsed; names whose hash has expired are pruned from the index. */
  async #readAll(): Promise<DirectoryEntry[]> {
    return guard('list', async () => {
      const names = (await this.redis.smembers(this.#keys.names)).sort()
      if (names.length === 0) return []
      const pipeline = this.redis.pipeline()
      for (const name of names) pipeline.hgetall(this.#keys.user(name))
      const replies = (await pipeline.exec()) ?? []
      const gone: string[] = []
      const entries: DirectoryEntry[] = []
      replies.forEach(([error, hash], index) => {
        if (error) throw error
        const fields = hash as Record<string, string>
        if (Object.keys(fields).length === 0) gone.push(names[index])
        else {
          const entry = this.#parse(names[index], fields)
          if (entry) entries.push(entry)
        }
      })
      if (gone.length > 0) await this.redis.srem(this.#keys.names, ...gone)
      return entries
    })
  }

  #parse(name: string, hash: Record<string, string>): DirectoryEntry | undefined {
    const parsed = parseEntry(fromRedisHash(hash))
    if (!parsed.ok) {
      this.options.logger.warn(`directory entry "${name.slice(0, 40)}" is malformed (${parsed.reason}); skipped`)
      return undefined
    }

    if (parsed.entry.name !== name) {
      this.options.logger.warn(`directory entry "${name.slice(0, 40)}" holds the name "${parsed.entry.name}"; skipped`)
      return undefined
    }

    const entry = this.#verifier.verify(parsed.entry)
    return entry && asSeenAt(entry, this.#clock.wallMs(), this.options.expiryMs)
  }

  #session(name: string): {session: string; publicKey: string} {
    const session = this.#sessions.get(name)
    if (!session) throw new IvcError('BUG', `internal error: "${name}" was not registered through this directory`)
    return session
  }
}

