import {randomUUID} from 'node:crypto'

import {MongoClient} from 'mongodb'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {defaultTiming} from '../../src/directory/expiry.js'
import {databaseName, MongoDirectory, redactUrl} from '../../src/directory/mongo-directory.js'
import {testIdentity} from '../support/identities.js'
import {recordingLogger} from '../support/logger.js'
import {type MongoTestServer, startMongoServer} from '../support/mongo-server.js'
import {type ContractBackend, directoryContract} from './contract.js'

let server: MongoTestServer
const clients: MongoClient[] = []

beforeAll(async () => {
  server = await startMongoServer()
})

afterAll(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()))
  await server?.stop()
})

/** The URL with its database replaced, so each test has a database of its own. */
function withDatabase(url: string, db: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]*)(?:\/[^?]*)?(\?.*)?$/.exec(url)
  if (!match) throw new Error(`IVC_TEST_MONGO_URL is not a MongoDB URL: ${url}`)
  return `${match[1]}/${db}${match[2] ?? ''}`
}

function backendAt(baseUrl: () => string) {
  return async (): Promise<ContractBackend> => {
    const url = withDatabase(baseUrl(), `ivc_test_${randomUUID().slice(0, 8)}`)
    const client = new MongoClient(url, {serverSelectionTimeoutMS: 3000})
    clients.push(client)
    const users = client.db(databaseName(url)).collection('users')
    return {
      open: ({clock, logger}) => MongoDirectory.open({url, logger, clock, ...defaultTiming()}),
      openUnreachable: (logger) => MongoDirectory.open({url: 'mongodb://127.0.0.1:1/ivc', logger, connectTimeoutMs: 300, ...defaultTiming()}),
      async plantMalformed(name) {
        await users.insertOne({name, address: 42, ports: 'many', status: 'dancing', lastSeen: 'yesterday'})
      },
      async erase(name) {
        await users.deleteOne({name})
      },
      async readStored(name) {
        const document = (await users.findOne({name}))!
        return {address: document.address, ports: document.ports, publicKey: document.publicKey, signedAt: document.signedAt, signed: document.signed}
      },
      async overwrite(name, fields) {
        await users.updateOne({name}, {$set: fields})
      },
    }
  }
}

directoryContract('mongodb (test wire-protocol server)', backendAt(() => server.url))

const realMongo = process.env.IVC_TEST_MONGO_URL
if (realMongo) directoryContract(`mongodb (real server at ${redactUrl(realMongo)})`, backendAt(() => realMongo))

describe('mongodb directory', () => {
  it('creates a unique index on name and a TTL index on expiresAt', async () => {
    const url = `${server.url}/ivc_indexes`
    const directory = await MongoDirectory.open({url, logger: recordingLogger(), ...defaultTiming()})
    const client = new MongoClient(url)
    clients.push(client)
    const indexes = await client.db('ivc_indexes').collection('users').listIndexes().toArray()
    expect(indexes).toEqual(expect.arrayContaining([
      expect.objectContaining({name: 'name_unique', key: {name: 1}, unique: true}),
      expect.objectContaining({name: 'expiresAt_ttl', key: {expiresAt: 1}, expireAfterSeconds: 0}),
    ]))
    await directory.close()
  })

  it('falls back to polling when the server has no change streams (a standalone)', async () => {
    const logger = recordingLogger()
    const directory = await MongoDirectory.open({url: `${server.url}/ivc_watch`, logger, ...defaultTiming()})
    const watch = await directory.watch({pollMs: 50})
    const changes = watch[Symbol.asyncIterator]()
    await logger.waitFor((line) => line.includes('no change stream (the server is not a replica set); polling'))
    await directory.register({name: 'dave', address: '10.0.0.7', ports: {}, version: '0.1.0', identity: testIdentity('dave')})
    expect((await changes.next()).value).toMatchObject({name: 'dave', status: 'online'})
    expect(server.commands).toContain('aggregate')
    await directory.close()
  })

  it('reads the database from the URL and hides passwords in messages', () => {
    expect(databaseName('mongodb://db.example:27017/chat?replicaSet=rs0')).toBe('chat')
    expect(databaseName('mongodb://db.example:27017')).toBe('ivc')
    expect(databaseName('mongodb://a:1,b:2/')).toBe('ivc')
    expect(redactUrl('mongodb://ivc:s3cret@db.example/ivc')).toBe('mongodb://ivc:***@db.example/ivc')
  })
})
