import {randomUUID} from 'node:crypto'

import {Redis} from 'ioredis'
import {afterEach, describe, expect, inject, it} from 'vitest'

import {Bus} from '../../src/bus/bus.js'
import type {Envelope} from '../../src/bus/envelope.js'
import {IvcError} from '../../src/foundation/errors.js'
import {recordingLogger} from '../support/logger.js'

const redis = inject('redisUrl')
const opened: Bus[] = []
const user = () => `u${randomUUID().slice(0, 8)}`
const presence = (name: string) => ({event: 'online', name, address: '127.0.0.1', ports: {call: 7000}, status: 'online', at: 1})

async function bus(userName: string, component: string, logger = recordingLogger()): Promise<Bus> {
  const connected = await Bus.connect({redis, user: userName, component, logger})
  opened.push(connected)
  return connected
}

/** Subscribes, then returns (wrapped, so awaiting the subscription does not await the event) the next event. */
async function nextEvent(b: Bus, topic: string): Promise<{event: Promise<Envelope>}> {
  let resolve!: (envelope: Envelope) => void
  const event = new Promise<Envelope>((done) => (resolve = done))
  await b.subscribe(topic, resolve)
  return {event}
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((b) => b.close()))
})

describe('bus', () => {
  it('delivers events as envelopes', async () => {
    const alice = user()
    const listener = await bus(alice, 'call')
    const publisher = await bus(alice, 'presence')
    const {event} = await nextEvent(listener, 'presence')
    expect(await publisher.publish('presence', 'presence.changed', presence('alice'), {callId: 'c1'})).toBe(1)
    const envelope = await event
    expect(envelope).toMatchObject({v: 1, type: 'presence.changed', from: publisher.instance, callId: 'c1', body: presence('alice')})
    expect(envelope.ts).toBeGreaterThan(0)
  })

  it('round-trips a request to a component and its reply', async () => {
    const alice = user()
    const call = await bus(alice, 'call')
    await call.serve('call', async (request) => ({state: 'listening', echo: request.body, type: request.type}))
    const control = await bus(alice, 'control')
    expect(await control.request('call', 'call.hangup', {reason: 'bye'})).toEqual({state: 'listening', echo: {reason: 'bye'}, type: 'call.hangup'})
  })

  it('carries a handler error back as the same IvcError code', async () => {
    const alice = user()
    const call = await bus(alice, 'call')
    await call.serve('call', () => {
      throw new IvcError('NO_CALL', 'nothing to hang up')
    })
    const control = await bus(alice, 'control')
    await expect(control.request('call', 'call.hangup', {})).rejects.toMatchObject({code: 'NO_CALL', message: 'nothing to hang up'})
  })

  it('fails at once when no component serves the request', async () => {
    const control = await bus(user(), 'control')
    await expect(control.request('call', 'call.status', {})).rejects.toMatchObject({code: 'BUS_TIMEOUT', message: expect.stringContaining('no call is running')})
  })

  it('times out when the component never answers', async () => {
    const alice = user()
    const raw = new Redis(redis.replace('unix://', ''))
    try {
      // A subscriber that hears the request but never replies.
      await raw.subscribe(`ivc:${alice}:cmd:call`)
      const control = await bus(alice, 'control')
      await expect(control.request('call', 'call.status', {}, {timeoutMs: 200})).rejects.toMatchObject({code: 'BUS_TIMEOUT', message: expect.stringContaining('within 200 ms')})
    } finally {
      raw.disconnect()
    }
  })

  it('drops bad envelopes with a warning and keeps delivering good ones', async () => {
    const alice = user()
    const logger = recordingLogger()
    const listener = await bus(alice, 'call', logger)
    const got: Array<Envelope<unknown>> = []
    await listener.subscribe('presence', (envelope) => {
      got.push(envelope)
    })
    const raw = new Redis(redis.replace('unix://', ''))
    try {
      const channel = `ivc:${alice}:events:presence`
      await raw.publish(channel, 'not json at all')
      await raw.publish(channel, JSON.stringify({v: 2, type: 'x', from: 'y', ts: 1, body: null}))
      await raw.publish(channel, JSON.stringify({v: 1, type: 'x', from: 'y', ts: 1, body: null, extra: true}))
      const publisher = await bus(alice, 'presence')
      await publisher.publish('presence', 'presence.changed', presence('alice'))
      await expect.poll(() => got.length).toBe(1)
      expect(got[0].body).toEqual(presence('alice'))
      const warnings = logger.lines.filter((line) => line.includes('bad envelope'))
      expect(warnings).toHaveLength(3)
      expect(listener.rejections.envelope).toBe(3)
      expect(warnings[0]).toContain('not JSON')
    } finally {
      raw.disconnect()
    }
  })

  it('keeps two users on one Redis apart', async () => {
    const alice = user()
    const bob = user()
    const aliceCall = await bus(alice, 'call')
    const bobCall = await bus(bob, 'call')
    await aliceCall.serve('call', () => ({state: 'alice'}))
    await bobCall.serve('call', () => ({state: 'bob'}))
    const heard: string[] = []
    await bobCall.subscribe('presence', (envelope) => {
      heard.push(envelope.body.name)
    })
    const aliceControl = await bus(alice, 'control')
    const bobControl = await bus(bob, 'control')
    expect(await aliceControl.request('call', 'call.status', {})).toEqual({state: 'alice'})
    expect(await bobControl.request('call', 'call.status', {})).toEqual({state: 'bob'})
    expect(await aliceControl.publish('presence', 'presence.changed', presence('alice'))).toBe(0)
    await aliceControl.setState({status: 'in-call'}, 'call')
    expect(await bobControl.getState('call')).toEqual({})
    expect(await aliceControl.getState('call')).toEqual({status: 'in-call'})
    expect(heard).toEqual([])
  })

  it('shows a live component by its liveness key, which expires when the process stops refreshing it', async () => {
    const alice = user()
    const video = await bus(alice, 'stream-video')
    await video.startLiveness(300, {callId: 'c1'})
    const observer = await bus(alice, 'call')
    expect(await observer.alive('stream-video')).toEqual([expect.objectContaining({pid: process.pid, instance: video.instance, callId: 'c1'})])
    // A crash: the connection vanishes without deleting the key, and nothing refreshes it any more.
    video.redis.disconnect()
    await expect.poll(() => observer.alive('stream-video'), {timeout: 3000}).toEqual([])
  })

  it('reports an unreachable Redis as REDIS_UNREACHABLE without hanging, and leaves no timer behind', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length
    const before = timers()
    await expect(Bus.connect({redis: 'unix:///nonexistent/ivc.sock', user: 'x', component: 'c', logger: recordingLogger()})).rejects.toMatchObject({
      code: 'REDIS_UNREACHABLE',
    })
    // A timer left armed keeps a process that could not reach Redis alive after its error (ioredis's disconnect
    // timer, 2 s, for a connection that had already closed).
    expect(timers()).toBeLessThanOrEqual(before)
  })
})
