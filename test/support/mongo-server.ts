import {createServer, type Server, type Socket} from 'node:net'

import {type Document, Long} from 'bson'

import {aggregate, CommandError, type IndexSpec, Store, type StoredCollection} from './mongo-store.js'
import {encodeReply, readMessages, type Request} from './mongo-wire.js'

/**
 * A small MongoDB server for tests: real TCP on 127.0.0.1, the real wire protocol, driven by the official driver
 * exactly as mongod would be. It answers as a standalone 7.0 server: the handshake, CRUD with filters, sort, limit,
 * projection and cursors, findAndModify, count/aggregate, unique and TTL indexes, sessions ended, and the real error
 * for change streams (a standalone has none). No real mongod can be installed on our machines (see issue 4).
 */
export interface MongoTestServer {
  url: string
  port: number
  /** Every command name received, in order (to see what the driver sent). */
  commands: string[]
  /** Drop every open connection (a server "restart" without losing data). */
  dropConnections(): void
  stop(): Promise<void>
}

const MAX_WIRE_VERSION = 21 // MongoDB 7.0
const FIRST_BATCH = 101

export async function startMongoServer(): Promise<MongoTestServer> {
  const store = new Store()
  const cursors = new Map<number, {ns: string; docs: Document[]}>()
  const sockets = new Set<Socket>()
  const commands: string[] = []
  let nextCursor = 1
  let nextConnection = 1

  const server: Server = createServer((socket) => {
    sockets.add(socket)
    const connectionId = nextConnection++
    let pending: Buffer = Buffer.alloc(0)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    socket.on('data', (chunk) => {
      try {
        const {messages, rest} = readMessages(Buffer.concat([pending, chunk]))
        pending = rest
        for (const request of messages) {
          const reply = run(request, connectionId)
          if (!request.noReply) socket.write(encodeReply(request, reply))
        }
      } catch {
        socket.destroy() // unparseable bytes: mongod closes the connection too
      }
    })
  })

  function run(request: Request, connectionId: number): Document {
    const name = Object.keys(request.command)[0]
    commands.push(name)
    try {
      return {...execute(name, request.command, connectionId), ok: 1}
    } catch (error) {
      if (error instanceof CommandError) return {ok: 0, errmsg: error.message, code: error.code, codeName: error.codeName}
      return {ok: 0, errmsg: (error as Error).message, code: 2, codeName: 'BadValue'}
    }
  }

  function execute(name: string, command: Document, connectionId: number): Document {
    const db = (command.$db as string | undefined) ?? 'admin'
    const target = command[name] as string
    const collection = (create = true) => store.collection(db, target, create)
    switch (name) {
      case 'hello':
      case 'isMaster':
      case 'ismaster':
        return {
          ...(name === 'hello' ? {isWritablePrimary: true} : {ismaster: true}),
          helloOk: true,
          maxBsonObjectSize: 16 * 1024 * 1024,
          maxMessageSizeBytes: 48_000_000,
          maxWriteBatchSize: 100_000,
          localTime: new Date(),
          logicalSessionTimeoutMinutes: 30,
          connectionId,
          minWireVersion: 0,
          maxWireVersion: MAX_WIRE_VERSION,
          readOnly: false,
        }
      case 'ping':
      case 'endSessions':
      case 'create':
        return {}
      case 'buildInfo':
      case 'buildinfo':
        return {version: '7.0.0-ivc-test', versionArray: [7, 0, 0, 0], maxBsonObjectSize: 16 * 1024 * 1024, bits: 64}
      case 'insert': {
        const into = collection()!
        const writeErrors: Document[] = []
        let n = 0
        for (const [index, doc] of (command.documents as Document[]).entries()) {
          try {
            into.insert(doc)
            n++
          } catch (error) {
            writeErrors.push(writeError(index, error))
            if (command.ordered !== false) break
          }
        }

        return {n, ...(writeErrors.length > 0 ? {writeErrors} : {})}
      }

      case 'update': {
        const into = collection()!
        let n = 0
        let nModified = 0
        const upserted: Document[] = []
        const writeErrors: Document[] = []
        for (const [index, spec] of (command.updates as Document[]).entries()) {
          try {
            const matches = into.matching(spec.q)
            const targets = spec.multi ? matches : matches.slice(0, 1)
            if (targets.length === 0 && spec.upsert) {
              upserted.push({index, _id: into.update(undefined, spec.q, spec.u).doc._id})
              n++
            }

            for (const doc of targets) {
              n++
              if (into.update(doc, spec.q, spec.u).modified) nModified++
            }
          } catch (error) {
            writeErrors.push(writeError(index, error))
            if (command.ordered !== false) break
          }
        }

        return {n, nModified, ...(upserted.length > 0 ? {upserted} : {}), ...(writeErrors.length > 0 ? {writeErrors} : {})}
      }

      case 'delete': {
        const from = collection(false)
        let n = 0
        for (const spec of command.deletes as Document[]) {
          const matches = from?.matching(spec.q) ?? []
          for (const doc of spec.limit === 1 ? matches.slice(0, 1) : matches) {
            from!.remove(doc)
            n++
          }
        }

        return {n}
      }

      case 'find': {
        const docs = collection(false)?.find(command.filter ?? {}, {sort: command.sort, projection: command.projection, skip: command.skip, limit: command.limit}) ?? []
        return cursorReply(`${db}.${target}`, docs, command.singleBatch ? Infinity : (command.batchSize ?? FIRST_BATCH))
      }

      case 'getMore': {
        const id = Number(command.getMore)
        const cursor = cursors.get(id)
        if (!cursor) throw new CommandError(43, 'CursorNotFound', `cursor id ${id} not found`)
        const batch = cursor.docs.splice(0, command.batchSize ?? cursor.docs.length)
        if (cursor.docs.length === 0) cursors.delete(id)
        return {cursor: {nextBatch: batch, id: Long.fromNumber(cursor.docs.length === 0 ? 0 : id), ns: cursor.ns}}
      }

      case 'killCursors': {
        const ids = (command.cursors as unknown[]).map(Number)
        for (const id of ids) cursors.delete(id)
        return {cursorsKilled: ids.map((id) => Long.fromNumber(id)), cursorsNotFound: [], cursorsAlive: [], cursorsUnknown: []}
      }

      case 'findAndModify': {
        const into = collection()!
        const found = into.find(command.query ?? {}, {sort: command.sort, limit: 1})[0]
        const original = found && into.docs.find((doc) => String(doc._id) === String(found._id))
        if (command.remove) {
          if (original) into.remove(original)
          return {lastErrorObject: {n: original ? 1 : 0}, value: project(original, command.fields)}
        }

        if (!original && !command.upsert) return {lastErrorObject: {n: 0, updatedExisting: false}, value: null}
        const {doc} = into.update(original, command.query ?? {}, command.update)
        const value = command.new ? doc : (original ?? null)
        return {lastErrorObject: {n: 1, updatedExisting: Boolean(original), ...(original ? {} : {upserted: doc._id})}, value: project(value, command.fields)}
      }

      case 'count': {
        const docs = collection(false)?.find(command.query ?? {}, {skip: command.skip, limit: command.limit}) ?? []
        return {n: docs.length}
      }

      case 'aggregate': {
        const pipeline = command.pipeline as Document[]
        if (pipeline.some((stage) => '$changeStream' in stage)) {
          throw new CommandError(40_573, 'Location40573', 'The $changeStream stage is only supported on replica sets')
        }

        const docs = aggregate(collection(false)?.docs ?? [], pipeline)
        return cursorReply(`${db}.${target}`, docs, command.cursor?.batchSize ?? FIRST_BATCH)
      }

      case 'createIndexes': {
        const into = collection()!
        const before = into.indexes.length
        for (const index of command.indexes as IndexSpec[]) into.createIndex({name: index.name, key: index.key, unique: index.unique, expireAfterSeconds: index.expireAfterSeconds})
        return {numIndexesBefore: before, numIndexesAfter: into.indexes.length, createdCollectionAutomatically: false}
      }

      case 'listIndexes': {
        const from = collection(false)
        if (!from) throw new CommandError(26, 'NamespaceNotFound', `ns does not exist: ${db}.${target}`)
        return cursorReply(`${db}.${target}`, from.indexes.map((index) => ({v: 2, ...stripUndefined(index)})), Infinity)
      }

      case 'listCollections':
        return cursorReply(`${db}.$cmd.listCollections`, store.collectionNames(db).map((each) => ({name: each, type: 'collection', options: {}, info: {readOnly: false}})), Infinity)
      case 'drop':
        store.drop(db, target)
        return {ns: `${db}.${target}`}
      case 'dropDatabase':
        store.drop(db)
        return {dropped: db}
      default:
        throw new CommandError(59, 'CommandNotFound', `no such command: '${name}'`)
    }
  }

  function cursorReply(ns: string, docs: Document[], batchSize: number): Document {
    const firstBatch = docs.slice(0, batchSize)
    let id = 0
    if (docs.length > firstBatch.length) {
      id = nextCursor++
      cursors.set(id, {ns, docs: docs.slice(firstBatch.length)})
    }

    return {cursor: {firstBatch, id: Long.fromNumber(id), ns}}
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as {port: number}).port
  return {
    url: `mongodb://127.0.0.1:${port}`,
    port,
    commands,
    dropConnections() {
      for (const socket of sockets) socket.destroy()
    },
    async stop() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function writeError(index: number, error: unknown): Document {
  if (error instanceof CommandError) return {index, code: error.code, errmsg: error.message}
  return {index, code: 2, errmsg: (error as Error).message}
}

function project(doc: Document | null | undefined, fields: Document | undefined): Document | null {
  if (!doc) return null
  if (!fields || Object.keys(fields).length === 0) return doc
  const includes = Object.entries(fields).filter(([key, value]) => key !== '_id' && value)
  const projected: Document = {}
  if (fields._id !== 0) projected._id = doc._id
  if (includes.length > 0) for (const [key] of includes) projected[key] = doc[key]
  else for (const [key, value] of Object.entries(doc)) if (!(key in fields) && key !== '_id') projected[key] = value
  return projected
}

function stripUndefined(spec: IndexSpec): Document {
  return Object.fromEntries(Object.entries(spec).filter(([, value]) => value !== undefined))
}

export type {StoredCollection}
