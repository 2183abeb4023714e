import {randomUUID} from 'node:crypto'
import {mkdirSync} from 'node:fs'
import {dirname} from 'node:path'

import {afterEach, describe, expect, inject, it} from 'vitest'

import {Bus} from '../../src/bus/bus.js'
import {defaultTiming} from '../../src/directory/expiry.js'
import {type PresenceEvent, type PresenceHandle, startPresence} from '../../src/directory/presence-runner.js'
import {RedisDirectory} from '../../src/directory/redis-directory.js'
import type {Directory, DirectoryChange} from '../../src/directory/types.js'
import {testIdentity} from '../support/identities.js'
import {recordingLogger} from '../support/logger.js'
import {startRedisServer} from '../support/redis-server.js'

const closers: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => {})
})

/** Items as they come, and waiters for the first one that matches (the deadline only bounds a failing test). */
function collector<T>() {
  const items: T[] = []
  const waiters = new Set<{match: (item: T) => boolean; resolve: (item: T) => void}>()
  return {
    items,
    push(item: T): void {
      items.push(item)
      for (const waiter of waiters) if (waiter.match(item)) waiter.resolve(item)
    },
    waitFor(match: (item: T) => boolean, what: string, timeoutMs = 60_000): Promise<T> {
      const seen = items.find(match)
      if (seen !== undefined) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => (waiters.delete(waiter), reject(new Error(`timed out waiting for ${what}`))), timeoutMs)
        const waiter = {match, resolve: (item: T) => (clearTimeout(timer), waiters.delete(waiter), resolve(item))}
        waiters.add(waiter)
      })
    },
  }
}

/** Every change a directory watch sees, collected as it happens. */
async function changesOf(directory: Directory) {
  const watch = await directory.watch({pollMs: 20})
  closers.push(() => watch.close())
  const changes = collector<DirectoryChange>()
  void (async () => {
    for await (const change of watch) changes.push(change)
  })()
  return changes
}

async function setup(redis: string, name = `u${randomUUID().slice(0, 8)}`) {
  const logger = recordingLogger()
  const keyPrefix = `ivc:test-presence-${randomUUID().slice(0, 8)}`
  const timing = defaultTiming({heartbeatMs: 50, expiryMs: 500})
  const openDirectory = async (): Promise<Directory> => {
    const directory = await RedisDirectory.open({redis, logger, keyPrefix, ...timing})
    closers.push(() => directory.close())
    return directory
  }

  const bus = await Bus.connect({redis, user: name, component: 'presence', logger})
  closers.push(() => bus.close())
  const events = collector<PresenceEvent>()
  const start = async (directory: Directory, address = '10.0.0.5'): Promise<PresenceHandle> => {
    const handle = await startPresence({directory, bus, registration: {name, address, ports: {call: 7000}, version: '0.1.0', identity: testIdentity(name)}, heartbeatMs: 50, logger, onEvent: (event) => events.push(event)})
    closers.push(() => handle.stop())
    return handle
  }

  return {name, logger, bus, events, openDirectory, start}
}

describe('presence runner', () => {
  it('goes online, follows call.state on the bus to in-call and back, and goes offline on stop', async () => {
    const redis = inject('redisUrl')
    const {name, bus, events, openDirectory, start} = await setup(redis)
    const observer = await Bus.connect({redis, user: name, component: 'call', logger: recordingLogger()})
    closers.push(() => observer.close())
    const announced = collector<{event?: string}>()
    await observer.subscribe('presence', (envelope) => announced.push(envelope.body as {event?: string}))
    const reader = await openDirectory()
    const changes = await changesOf(reader)
    const presence = await start(await openDirectory())

    expect(await reader.lookup(name)).toMatchObject({status: 'online', address: '10.0.0.5', ports: {call: 7000}})
    expect(await bus.getState('presence')).toMatchObject({name, status: 'online', address: '10.0.0.5'})
    expect(await announced.waitFor(() => true, 'presence.changed online')).toMatchObject({event: 'online', name, status: 'online'})
    expect(await observer.alive('presence')).toHaveLength(1)

    await observer.publish('call', 'call.state', {state: 'in-call'})
    await changes.waitFor((change) => change.name === name && change.status === 'in-call', 'in-call in the directory')
    expect(presence.status).toBe('in-call')
    await observer.publish('call', 'call.state', {state: 'listening'})
    await changes.waitFor((change) => change.name === name && change.status === 'online' && change.previous === 'in-call', 'online again')

    await presence.stop()
    expect((await reader.lookup(name))!.status).toBe('offline')
    expect(events.items.map((event) => event.event)).toEqual(['online', 'in-call', 'online', 'offline'])
    // The bus delivers in order: once offline is heard, every earlier announcement has been.
    await announced.waitFor((event) => event.event === 'offline', 'presence.changed offline')
    expect(announced.items.map((event) => event.event)).toEqual(['online', 'in-call', 'online', 'offline'])
    expect(await bus.getState('presence')).toMatchObject({status: 'offline'})
  })

  it('answers a status request on the bus', async () => {
    const redis = inject('redisUrl')
    const {name, openDirectory, start} = await setup(redis)
    await start(await openDirectory())
    const control = await Bus.connect({redis, user: name, component: 'control', logger: recordingLogger()})
    closers.push(() => control.close())
    expect(await control.request('presence', 'presence.status')).toMatchObject({name, status: 'online', directory: expect.stringContaining('Redis directory')})
  })

  it('rides out a Redis restart and registers again once it is back', async () => {
    let server = await startRedisServer()
    closers.push(() => server.stop())
    const {name, events, logger, openDirectory, start} = await setup(server.url)
    await start(await openDirectory())

    const socketDir = dirname(server.socket)
    await server.stop()
    await events.waitFor((event) => event.event === 'directory-unreachable', 'the heartbeat to fail')
    mkdirSync(socketDir, {recursive: true})
    server = await startRedisServer([], socketDir)
    closers.push(() => server.stop())
    await events.waitFor((event) => event.event === 're-registered', 'the entry to be registered again')

    const reader = await openDirectory()
    expect(await reader.lookup(name)).toMatchObject({status: 'online', address: '10.0.0.5'})
    expect(logger.lines.join('')).toContain('registered again')
  })

  it('stops with NAME_TAKEN when a restart on the same host takes the name over', async () => {
    const {name, openDirectory, start} = await setup(inject('redisUrl'))
    const first = await start(await openDirectory())
    await start(await openDirectory())
    await expect(first.done).rejects.toMatchObject({code: 'NAME_TAKEN', message: `"${name}" was taken over by another presence process`})
  })

  it('refuses to start when the name is online from another address', async () => {
    const {openDirectory, start} = await setup(inject('redisUrl'))
    await start(await openDirectory(), '10.0.0.5')
    await expect(start(await openDirectory(), '10.0.0.9')).rejects.toMatchObject({code: 'NAME_TAKEN'})
  })
})
