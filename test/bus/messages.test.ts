import {randomUUID} from 'node:crypto'
import {readFileSync} from 'node:fs'

import {Redis} from 'ioredis'
import {afterEach, describe, expect, inject, it} from 'vitest'

import {Bus} from '../../src/bus/bus.js'
import {REQUESTS, TOPICS} from '../../src/bus/messages.js'
import {COMPONENT_EVENTS, parseEventLine} from '../../src/call/component-events.js'
import {parsePortAudioStatus} from '../../src/plugins/audio/portaudio-host.js'
import {recordingLogger} from '../support/logger.js'

const doc = readFileSync(new URL('../../docs/bus.md', import.meta.url), 'utf8')
const redis = inject('redisUrl')
const opened: Bus[] = []
const user = () => `u${randomUUID().slice(0, 8)}`

async function bus(userName: string, component: string): Promise<Bus> {
  const connected = await Bus.connect({redis, user: userName, component, logger: recordingLogger()})
  opened.push(connected)
  return connected
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((b) => b.close()))
})

/** The rows of the markdown table that follows `heading` (a line of the doc), as cells. */
function table(heading: string): string[][] {
  const lines = doc.slice(doc.indexOf(heading)).split('\n').slice(1)
  const start = lines.findIndex((line) => line.startsWith('|'))
  const rows: string[][] = []
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break
    rows.push(line.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim()))
  }

  return rows
}

/** The names in backticks of a cell, each up to its first space (`call.dial {peer, host, port}` is call.dial). */
const names = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1].split(' ')[0])

describe('docs/bus.md and the schemas (src/bus/messages.ts)', () => {
  it('has exactly the topics and event types the doc lists', () => {
    const documented = table('Topics (`ivc:<user>:events:<topic>`)').flatMap(([topics, types]) => names(topics).flatMap((topic) => names(types).map((type) => `${topic} ${type}`)))
    expect(documented.length).toBeGreaterThan(10)
    // A row of two topics (video-stats, audio-stats) lists a type of each; every type is in one of its topics.
    const declared = Object.entries(TOPICS).flatMap(([topic, types]) => Object.keys(types).map((type) => `${topic} ${type}`))
    for (const entry of declared) expect(documented, `${entry} is declared but not in docs/bus.md`).toContain(entry)
    const declaredTypes = new Set(declared.map((entry) => entry.split(' ')[1]))
    for (const entry of documented) expect(declaredTypes, `${entry} is in docs/bus.md but has no schema`).toContain(entry.split(' ')[1])
  })

  it('has exactly the requests the doc lists, by component', () => {
    const documented = table('Requests (`ivc:<user>:cmd:<component>`)').flatMap(([component, types]) => names(types).map((type) => `${names(component)[0]} ${type}`))
    const declared = Object.entries(REQUESTS).flatMap(([component, types]) => Object.keys(types).map((type) => `${component} ${type}`))
    expect(new Set(documented)).toEqual(new Set(declared))
  })

  it('has exactly the component events the doc lists', () => {
    const section = doc.slice(doc.indexOf('## Components of a call'))
    const documented = [...section.matchAll(/\{"event":"([a-z-]+)"/g)].map((match) => match[1])
    expect(new Set(documented)).toEqual(new Set(Object.keys(COMPONENT_EVENTS)))
  })
})

describe('malformed bus messages', () => {
  it('are counted and dropped on every topic, and the subscriber keeps hearing good ones', async () => {
    const alice = user()
    const listener = await bus(alice, 'call')
    const raw = new Redis(redis.replace('unix://', ''))
    try {
      const heard: string[] = []
      let sent = 0
      for (const [topic, types] of Object.entries(TOPICS)) {
        await listener.subscribe(topic as keyof typeof TOPICS, (envelope) => void heard.push(envelope.type))
        for (const type of [...Object.keys(types), `${topic.split('-')[0]}.no-such-type`]) {
          await raw.publish(`ivc:${alice}:events:${topic}`, JSON.stringify({v: 1, type, from: 'x.1.abcdef', ts: 1, body: 'not an object'}))
          sent++
        }
      }

      await expect.poll(() => listener.rejections.event).toBe(sent)
      expect(heard).toEqual([])
      const publisher = await bus(alice, 'media')
      await publisher.publish('media', 'media.set', {kind: 'audio', on: false}, {callId: 'c1'})
      await expect.poll(() => heard).toEqual(['media.set'])
    } finally {
      raw.disconnect()
    }
  })

  it('are answered BAD_USAGE and counted by every serving component, which keeps serving', async () => {
    const alice = user()
    const client = await bus(alice, 'cli')
    for (const [component, types] of Object.entries(REQUESTS)) {
      const server = await bus(alice, component)
      await server.serve(component as 'call', () => ({state: 'listening', sent: 'chat', callId: 'c1'}))
      let rejected = 0
      for (const type of Object.keys(types)) {
        // presence.status takes any body; the others take an object.
        if (type === 'presence.status') continue
        await expect(client.request(component as 'call', type as 'call.status', 'not an object' as never)).rejects.toMatchObject({code: 'BAD_USAGE'})
        rejected++
      }

      // A type the server does not serve (the client's own check is bypassed by publishing it raw).
      await client.redis.publish(`ivc:${alice}:cmd:${component}`, JSON.stringify({v: 1, type: `${component}.no-such-type`, from: client.instance, id: `x${component}`, ts: 1, body: {}}))
      rejected++
      await expect.poll(() => server.rejections.request).toBe(rejected)
      expect(server.rejections.request).toBe(rejected)
      const [type, spec] = Object.entries(types)[0]
      const good = {'call.dial': {peer: 'bob', host: '127.0.0.1', port: 7000, publicKey: 'A'.repeat(43)}, 'control.send': {message: {type: 'chat', text: 'hi'}}, 'presence.status': {}}[type]
      expect(spec).toBeDefined()
      await expect(client.request(component as 'call', type as 'call.dial', good as never)).resolves.toMatchObject({})
    }
  })

  it('turns a malformed reply into a counted PROTOCOL_ERROR, not a hang or a crash', async () => {
    const alice = user()
    const raw = new Redis(redis.replace('unix://', ''))
    const replier = new Redis(redis.replace('unix://', ''))
    try {
      raw.on('message', (_channel: string, message: string) => {
        const request = JSON.parse(message)
        const reply = (body: unknown) => JSON.stringify({v: 1, type: `${request.type}.reply`, from: 'call.1.abcdef', replyTo: request.id, ts: 1, body})
        void replier.publish(`ivc:${alice}:reply:${request.from}`, reply(request.type === 'call.status' ? {yes: 1} : {ok: true, result: {no: 'state'}}))
      })
      await raw.subscribe(`ivc:${alice}:cmd:call`)
      const client = await bus(alice, 'cli')
      await expect(client.request('call', 'call.status', {})).rejects.toMatchObject({code: 'PROTOCOL_ERROR'})
      await expect(client.request('call', 'call.accept', {})).rejects.toMatchObject({code: 'PROTOCOL_ERROR'})
      expect(client.rejections.reply).toBe(2)
    } finally {
      raw.disconnect()
      replier.disconnect()
    }
  })
})

describe('component event lines (src/call/component-events.ts)', () => {
  it('takes the documented events, passes other objects, and rejects malformed ones', () => {
    expect(parseEventLine('{"event":"listening","port":7000}')).toEqual({kind: 'event', event: {event: 'listening', port: 7000}})
    expect(parseEventLine('{"event":"call.started","callId":"c1"}')).toMatchObject({kind: 'event'})
    expect(parseEventLine('{"role":"receiver","frames":3}')).toMatchObject({kind: 'event'})
    expect(parseEventLine('a log line')).toEqual({kind: 'text', line: 'a log line'})
    for (const bad of ['{"event":"listening","port":"7000"}', '{"event":"listening"}', '{"event":"ready","peer":5}', '{"event":7}', '{not json', `{"event":"stats","pad":"${'x'.repeat(70_000)}"}`]) {
      expect(parseEventLine(bad), bad).toMatchObject({kind: 'rejected'})
    }
  })
})

describe('the PortAudio helper status line (src/plugins/audio/portaudio-host.ts)', () => {
  it('parses the status and turns anything else into undefined, never a throw', () => {
    expect(parsePortAudioStatus('{"ok":true}')).toEqual({ok: true})
    expect(parsePortAudioStatus('{"error":{"code":"NO_DEVICE","message":"gone"}}')).toEqual({error: {code: 'NO_DEVICE', message: 'gone'}})
    for (const bad of ['{oops', '{"ok":"yes"}', '{"error":{"code":1}}', 'null']) expect(parsePortAudioStatus(bad), bad).toBeUndefined()
  })
})
