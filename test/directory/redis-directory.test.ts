import {randomUUID} from 'node:crypto'

import {Redis} from 'ioredis'
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest'

import {parseRedisUrl} from '../../src/bus/redis-url.js'
import {defaultTiming} from '../../src/directory/expiry.js'
import {RedisDirectory} from '../../src/directory/redis-directory.js'
import {directoryKeys} from '../../src/directory/redis-keys.js'
import {testIdentity} from '../support/identities.js'
import {recordingLogger} from '../support/logger.js'
import {directoryContract} from './contract.js'

const redisUrl = inject('redisUrl')
let raw: Redis

beforeAll(() => {
  raw = new Redis(parseRedisUrl(redisUrl))
})

afterAll(async () => {
  await raw.quit()
})

/** Each test gets its own key prefix, so tests share the harness's redis-server without seeing each other. */
function isolated() {
  const keyPrefix = `ivc:test-directory-${randomUUID().slice(0, 8)}`
  return {keyPrefix, keys: directoryKeys(keyPrefix)}
}

directoryContract('redis', async () => {
  const {keyPrefix, keys} = isolated()
  return {
    open: ({clock, logger}) => RedisDirectory.open({redis: redisUrl, logger, clock, keyPrefix, ...defaultTiming()}),
    openUnreachable: (logger) => RedisDirectory.open({redis: 'unix:///nonexistent/ivc-directory.sock', logger, ...defaultTiming()}),
    async plantMalformed(name) {
      await raw.hset(keys.user(name), {name, address: 'not an address', status: 'dancing', since: 'yesterday'})
      await raw.sadd(keys.names, name)
    },
    async erase(name) {
      await raw.del(keys.user(name))
    },
    async readStored(name) {
      const hash = await raw.hgetall(keys.user(name))
      return {address: hash.address, ports: JSON.parse(hash.ports) as Record<string, number>, publicKey: hash.publicKey, signedAt: Number(hash.signedAt), signed: hash.signed}
    },
    async overwrite(name, fields) {
      await raw.hset(keys.user(name), Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, typeof value === 'object' ? JSON.stringify(value) : String(value)])))
    },
  }
})

describe('redis directory', () => {
  it('keeps its keys outside every user\'s bus namespace', () => {
    expect(directoryKeys()).toEqual({user: expect.any(Function), names: 'ivc:directory:names', changes: 'ivc:directory:changes'})
    expect(directoryKeys().user('alice')).toBe('ivc:directory:user:alice')
  })

  it('stores an entry as a hash that expires after the retention period', async () => {
    const {keyPrefix, keys} = isolated()
    const directory = await RedisDirectory.open({redis: redisUrl, logger: recordingLogger(), keyPrefix, ...defaultTiming({retentionMs: 60_000})})
    await directory.register({name: 'alice', address: '10.0.0.5', ports: {call: 7000}, version: '0.1.0', identity: testIdentity('x')})
    expect(await raw.hgetall(keys.user('alice'))).toMatchObject({name: 'alice', address: '10.0.0.5', ports: '{"call":7000}', status: 'online', publicKey: testIdentity('x').publicKey})
    const ttl = await raw.pttl(keys.user('alice'))
    expect(ttl).toBeGreaterThan(50_000)
    expect(ttl).toBeLessThanOrEqual(60_000)
    await directory.close()
  })

  it('keeps two users of one host and one Redis apart', async () => {
    const {keyPrefix} = isolated()
    const options = {redis: redisUrl, logger: recordingLogger(), keyPrefix, ...defaultTiming()}
    const aliceSide = await RedisDirectory.open(options)
    const bobSide = await RedisDirectory.open(options)
    await aliceSide.register({name: 'alice', address: '127.0.0.1', ports: {call: 7000}, version: '0.1.0', identity: testIdentity('x')})
    await bobSide.register({name: 'bob', address: '127.0.0.1', ports: {call: 7001}, version: '0.1.0', identity: testIdentity('x')})
    await aliceSide.goOffline('alice')
    expect((await bobSide.list()).map((entry) => [entry.name, entry.ports.call])).toEqual([['bob', 7001]])
    await Promise.all([aliceSide.close(), bobSide.close()])
  })

  it('drops names whose hash expired from the index when listing', async () => {
    const {keyPrefix, keys} = isolated()
    const directory = await RedisDirectory.open({redis: redisUrl, logger: recordingLogger(), keyPrefix, ...defaultTiming()})
    await directory.register({name: 'alice', address: '10.0.0.5', ports: {}, version: '0.1.0', identity: testIdentity('x')})
    await raw.del(keys.user('alice'))
    expect(await directory.list({onlineOnly: false})).toEqual([])
    expect(await raw.smembers(keys.names)).toEqual([])
    await directory.close()
  })
})
