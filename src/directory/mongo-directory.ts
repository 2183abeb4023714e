import {randomBytes} from 'node:crypto'

import {type ChangeStream, type Collection, type Filter, MongoClient, MongoParseError} from 'mongodb'

import {type Clock, realClock} from '../foundation/clock.js'
import {IvcError} from '../foundation/errors.js'
import type {Logger} from '../foundation/logger.js'
import {validateUsername} from '../foundation/username.js'
import {checkAddressAndPorts, fromDocument, parseEntry} from './entry.js'
import {EntryVerifier, signEntry} from './entry-verifier.js'
import {asSeenAt, isLive} from './expiry.js'
import {asUnreachable, guard, nameBound} from './failures.js'
import type {Directory, DirectoryEntry, DirectoryTiming, DirectoryWatch, HeartbeatResult, ListOptions, LiveStatus, Registration} from './types.js'
import {SnapshotWatcher} from './watcher.js'

export interface MongoDirectoryOptions extends DirectoryTiming {
  /** mongodb:// or mongodb+srv:// URL; its path names the database (default `ivc`). */
  url: string
  logger: Logger
  /** Entries are stamped with its wallMs() (compared across hosts); the watch polls on its timers. Default realClock. */
  clock?: Clock
  collection?: string
  /** How long the first connect may take before DIRECTORY_UNREACHABLE; also the server-selection timeout later. */
  connectTimeoutMs?: number
}

interface UserDocument extends Omit<DirectoryEntry, 'status'> {
  status: string
  /** Random per registration: only the registering process may heartbeat or go offline. */
  session: string
  /** The signed entry, base64url (src/protocol/directory-entry.ts). */
  signed: string
  /** lastSeen + retention: the TTL index deletes the document after it. */
  expiresAt: Date
}

const CHANGE_STREAMS_NEED_REPLICA_SET = 40_573
const DUPLICATE_KEY = 11_000

/** The shared multi-host directory (the seed's MongoDB users collection), through the official driver. */
export class MongoDirectory implements Directory {
  readonly kind = 'mongodb'
  readonly description: string
  readonly #clock: Clock
  readonly #sessions = new Map<string, {session: string; status: LiveStatus; publicKey: string}>()
  readonly #watchers = new Set<DirectoryWatch>()
  readonly #verifier: EntryVerifier

  private constructor(
    private readonly client: MongoClient,
    private readonly users: Collection<UserDocument>,
    private readonly options: MongoDirectoryOptions,
  ) {
    this.#clock = options.clock ?? realClock
    this.description = `MongoDB directory at ${redactUrl(options.url)}`
    this.#verifier = new EntryVerifier(options.logger)
  }

  get unverified(): number {
    return this.#verifier.dropped
  }

  static async open(options: MongoDirectoryOptions): Promise<MongoDirectory> {
    const timeout = options.connectTimeoutMs ?? 3000
    let client: MongoClient
    try {
      client = new MongoClient(options.url, {serverSelectionTimeoutMS: timeout, connectTimeoutMS: timeout, appName: 'ivc'})
    } catch (error) {
      if (error instanceof MongoParseError) throw new IvcError('BAD_USAGE', `--directory ${redactUrl(options.url)} is not a MongoDB URL: ${error.message}`)
      throw error
    }

    const where = redactUrl(options.url)
    try {
      await client.connect()
      const users = client.db(databaseName(options.url)).collection<UserDocument>(options.collection ?? 'users')
      await users.createIndexes([
        {key: {name: 1}, name: 'name_unique', unique: true},
        {key: {expiresAt: 1}, name: 'expiresAt_ttl', expireAfterSeconds: 0},
      ])
      return new MongoDirectory(client, users, options)
    } catch (error) {
      await client.close().catch(() => {})
      throw new IvcError('DIRECTORY_UNREACHABLE', `cannot reach the MongoDB directory at ${where}: ${(error as Error).message.split('\n')[0]}`, {cause: error})
    }
  }

  async register(registration: Registration): Promise<DirectoryEntry> {
    const {name, address, ports, version, identity} = registration
    validateUsername(name)
    const invalid = checkAddressAndPorts(address, ports)
    if (invalid) throw new IvcError('BAD_USAGE', `cannot register ${name}: ${invalid}`)
    const now = this.#clock.wallMs()
    const status = registration.status ?? 'online'
    const session = randomBytes(8).toString('hex')
    const {publicKey} = identity
    const entry: DirectoryEntry = {name, address, ports, status, since: now, lastSeen: now, version, publicKey, signedAt: now}
    const signed = signEntry({name, address, ports, version, signedAt: now}, identity)
    // Matches only an entry we may take over: bound to our key (or to none: an entry from before keys), and offline, expired,
    // malformed, or ours by address. If one exists that we may not, the upsert's insert hits the unique name index
    // and the server refuses it atomically.
    const claimable = {
      name,
      publicKey: {$in: [publicKey, null]},
      $or: [{status: 'offline'}, {lastSeen: {$lte: now - this.options.expiryMs}}, {lastSeen: {$not: {$type: 'number'}}}, {address}],
    } as unknown as Filter<UserDocument>
    try {
      await this.users.findOneAndUpdate(claimable, {$set: {...entry, session, signed, expiresAt: this.#expiresAt(now)}}, {upsert: true})
    } catch (error) {
      if (codeOf(error) !== DUPLICATE_KEY) throw asUnreachable('register', error)
      const holder = await this.users.findOne({name}).catch(() => null)
      if (typeof holder?.publicKey === 'string' && holder.publicKey !== publicKey) throw nameBound(name, holder.publicKey)
      throw new IvcError('NAME_TAKEN', `"${name}" is online from ${holder?.address ?? 'another address'}`)
    }

    this.#sessions.set(name, {session, status, publicKey})
    return entry
  }

  async heartbeat(name: string, update: {status?: LiveStatus} = {}): Promise<HeartbeatResult> {
    const held = this.#session(name)
    const now = this.#clock.wallMs()
    const status = update.status ?? held.status
    return guard('heartbeat', async () => {
      const before = await this.users.findOneAndUpdate(
        {name, session: held.session, publicKey: held.publicKey},
        {$set: {lastSeen: now, status, expiresAt: this.#expiresAt(now)}},
        {projection: {status: 1, lastSeen: 1}, returnDocument: 'before'},
      )
      if (!before) return (await this.users.countDocuments({name}, {limit: 1})) > 0 ? 'taken' : 'missing'
      held.status = status
      const expired = before.status === 'offline' || typeof before.lastSeen !== 'number' || now - before.lastSeen >= this.options.expiryMs
      if (expired || before.status !== status) await this.users.updateOne({name, session: held.session}, {$set: {since: now}})
      return 'ok'
    })
  }

  async goOffline(name: string): Promise<void> {
    const held = this.#session(name)
    await guard('go offline', () => this.users.updateOne({name, session: held.session}, {$set: {status: 'offline', since: this.#clock.wallMs()}}))
    this.#sessions.delete(name)
  }

  async lookup(name: string): Promise<DirectoryEntry | undefined> {
    validateUsername(name)
    const document = await guard('lookup', () => this.users.findOne({name}))
    return document ? this.#parse(document) : undefined
  }

  async list(options: ListOptions = {}): Promise<DirectoryEntry[]> {
    const now = this.#clock.wallMs()
    const filter = (options.onlineOnly ?? true) ? {status: {$ne: 'offline'}, lastSeen: {$gt: now - this.options.expiryMs}} : {}
    const documents = await guard('list', () => this.users.find(filter, {projection: {_id: 0, session: 0, expiresAt: 0}}).sort({name: 1}).toArray())
    const entries = documents.flatMap((document) => this.#parse(document) ?? [])
    return (options.onlineOnly ?? true) ? entries.filter((entry) => isLive(entry, now, this.options.expiryMs)) : entries
  }

  async watch(options: {pollMs?: number} = {}): Promise<DirectoryWatch> {
    let stream: ChangeStream | undefined
    const watcher = new SnapshotWatcher({
      load: () => this.list({onlineOnly: false}),
      clock: this.#clock,
      pollMs: options.pollMs ?? this.options.heartbeatMs,
      logger: this.options.logger,
      onClose: async () => {
        this.#watchers.delete(watcher)
        await stream?.close().catch(() => {})
      },
    })
    // Change streams make changes prompt on a replica set; a standalone server refuses them and polling carries on.
    stream = this.users.watch([], {fullDocument: 'updateLookup'})
    stream.on('change', () => watcher.trigger())
    stream.on('error', (error) => {
      const reason = codeOf(error) === CHANGE_STREAMS_NEED_REPLICA_SET ? 'the server is not a replica set' : error.message
      this.options.logger.debug(`no change stream (${reason}); polling the directory`)
      void stream?.close().catch(() => {})
    })
    this.#watchers.add(watcher)
    return watcher.start()
  }

  async close(): Promise<void> {
    await Promise.all([...this.#watchers].map((watcher) => watcher.close()))
    await this.client.close()
  }

  #expiresAt(now: number): Date {
    return new Date(now + this.options.retentionMs)
  }

  #parse(document: Record<string, unknown>): DirectoryEntry | undefined {
    const parsed = parseEntry(fromDocument(document))
    if (!parsed.ok) {
      this.options.logger.warn(`directory entry "${String(document.name).slice(0, 40)}" is malformed (${parsed.reason}); skipped`)
      return undefined
    }

    const entry = this.#verifier.verify(parsed.entry)
    return entry && asSeenAt(entry, this.#clock.wallMs(), this.options.expiryMs)
  }

  #session(name: string): {session: string; status: LiveStatus; publicKey: string} {
    const held = this.#sessions.get(name)
    if (!held) throw new IvcError('BUG', `internal error: "${name}" was not registered through this directory`)
    return held
  }
}

/** The database named in the URL path (`mongodb://host/db`), else `ivc`. */
export function databaseName(url: string): string {
  const match = /^mongodb(?:\+srv)?:\/\/[^/]*\/([^?]+)/.exec(url)
  return match ? decodeURIComponent(match[1]) : 'ivc'
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')
}

function codeOf(error: unknown): unknown {
  return (error as {code?: unknown} | undefined)?.code
}
