import {randomUUID} from 'node:crypto'
import {once} from 'node:events'
import {connect, createServer, type Server, type Socket} from 'node:net'
import {join} from 'node:path'

import {afterAll, afterEach, describe, expect, inject, it} from 'vitest'

import {Bus} from '../../src/bus/bus.js'
import {HEADER_BYTES} from '../../src/protocol/call/frame.js'
import {readIdentity} from '../../src/security/identity-file.js'
import {killAll, lineLog, startCli, TEST_CONFIG_HOME} from '../support/cli.js'
import {recordingLogger} from '../support/logger.js'

/**
 * "Bind the whole set-up" (issue 16): the call secret covers the key shares, not the offers, so a man in the middle
 * who leaves the shares alone can still change which streams a call has. The control key is bound to the hash of the
 * invite and the accept as each side saw them, so the control handshake fails and the call ends AUTH_FAILED.
 */
const redis = inject('redisUrl')
const name = (prefix: string) => `${prefix}${randomUUID().slice(0, 6)}`
const common = ['--redis', redis, '--address', '127.0.0.1', '--heartbeat-ms', '200', '--expiry-ms', '1000', '--size', '160x120', '--video-connections', '2', '--audio-connections', '2', '--video-sink', 'null', '--audio-sink', 'null']
const servers: Server[] = []
const buses: Bus[] = []

afterEach(killAll)
afterAll(async () => {
  for (const server of servers) server.close()
  await Promise.all(buses.map((bus) => bus.close()))
})

/**
 * A signalling relay to 127.0.0.1:`port` that rewrites the first frame from the caller, the invite, with `rewrite`
 * (the frame: 8-byte header, then the JSON body, docs/protocol.md "Call signalling"), and passes every other byte
 * both ways untouched. `rewritten` resolves with the invite as it was and as it went on.
 */
async function invitingRelay(port: number, rewrite: (invite: Record<string, unknown>) => Record<string, unknown>) {
  let resolveRewritten!: (invites: {before: Record<string, unknown>; after: Record<string, unknown>}) => void
  const rewritten = new Promise<{before: Record<string, unknown>; after: Record<string, unknown>}>((resolve) => (resolveRewritten = resolve))
  const server = createServer((caller: Socket) => {
    const callee = connect({host: '127.0.0.1', port})
    for (const socket of [caller, callee]) socket.on('error', () => [caller, callee].forEach((each) => each.destroy()))
    callee.pipe(caller)
    let pending = Buffer.alloc(0)
    const firstFrame = (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk])
      if (pending.length < HEADER_BYTES) return
      const end = HEADER_BYTES + pending.readUInt16BE(6)
      if (pending.length < end) return
      caller.off('data', firstFrame)
      const before = JSON.parse(pending.subarray(HEADER_BYTES, end).toString('utf8')) as Record<string, unknown>
      const after = rewrite(structuredClone(before))
      const body = Buffer.from(JSON.stringify(after))
      const header = Buffer.from(pending.subarray(0, HEADER_BYTES))
      header.writeUInt16BE(body.length, 6)
      callee.write(Buffer.concat([header, body, pending.subarray(end)]))
      caller.pipe(callee)
      resolveRewritten({before, after})
    }

    caller.on('data', firstFrame)
  })
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {port: (server.address() as {port: number}).port, rewritten}
}

async function listener(user: string) {
  const child = startCli(['listen', '--user', user, '--port', '0', '--auto-accept', '--json', ...common])
  const log = lineLog(child)
  const listening = JSON.parse(await log.waitFor((line) => line.includes('"event":"listening"'))) as {port: number}
  const bus = await Bus.connect({redis, user, component: 'test', logger: recordingLogger()})
  buses.push(bus)
  const event = async (type: string, callId: string) => JSON.parse(await log.waitFor((line) => line.includes(`"event":"${type}"`) && line.includes(`"callId":"${callId}"`), 90_000))
  return {port: listening.port, bus, event}
}

describe('a relay that changes the invite but not the key shares', () => {
  // The callee's check of the invite's signature (docs/protocol.md, "Authenticated calls") now stops this before the
  // call starts; the control handshake's confirmation of the set-up hash stays behind it as a second check.
  it('strips the audio from the offer: the invite no longer verifies, and the call is refused AUTH_FAILED on both sides before it starts', async () => {
    const [alice, bob] = [name('alice'), name('bob')]
    const [caller, callee] = await Promise.all([listener(alice), listener(bob)])
    const relay = await invitingRelay(callee.port, (invite) => {
      delete (invite.media as Record<string, unknown>).audio
      return invite
    })
    const {callId} = await caller.bus.request('call', 'call.dial', {peer: bob, host: '127.0.0.1', port: relay.port, publicKey: readIdentity(join(TEST_CONFIG_HOME, 'ivc'), bob)!.identity.publicKey}, {timeoutMs: 60_000})
    const {before, after} = await relay.rewritten
    expect(Object.keys(before.media as object).sort()).toEqual(['audio', 'video'])
    expect(Object.keys(after.media as object)).toEqual(['video'])
    expect(after.keyShare).toBe(before.keyShare)
    const [callerEnd, calleeRefusal] = await Promise.all([caller.event('call.ended', callId), callee.event('call.refused', callId)])
    expect(callerEnd).toMatchObject({code: 'auth-failed', reason: expect.stringContaining('not signed by the key it names')})
    expect(calleeRefusal).toMatchObject({code: 'AUTH_FAILED', reason: expect.stringContaining('not signed by the key it names')})
  }, 120_000)
})
