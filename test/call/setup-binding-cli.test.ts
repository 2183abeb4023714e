import {randomUUID} from 'node:crypto'
import {join} from 'node:path'

import {afterAll, afterEach, describe, expect, inject, it} from 'vitest'

import {Bus} from '../../src/bus/bus.js'
import {readIdentity} from '../../src/security/identity-file.js'
import {killAll, lineLog, startCli, TEST_CONFIG_HOME} from '../support/cli.js'
import {recordingLogger} from '../support/logger.js'
import {closeRelays, keyHoldingRelay} from './signal-relays.js'

/**
 * "Bind the whole set-up" (issue 16): the call secret covers the key shares, not the offers, so a man in the middle
 * who leaves the shares alone can still change which streams a call has. The control key is bound to the hash of the
 * invite and the accept as each side saw them, so the control handshake fails and the call ends AUTH_FAILED.
 */
const redis = inject('redisUrl')
const name = (prefix: string) => `${prefix}${randomUUID().slice(0, 6)}`
const common = ['--redis', redis, '--address', '127.0.0.1', '--heartbeat-ms', '200', '--expiry-ms', '1000', '--size', '160x120', '--video-connections', '2', '--audio-connections', '2', '--video-sink', 'null', '--audio-sink', 'null']
const buses: Bus[] = []

afterEach(async () => {
  closeRelays()
  await killAll()
})
afterAll(async () => {
  await Promise.all(buses.map((bus) => bus.close()))
})

const identityOf = (user: string) => readIdentity(join(TEST_CONFIG_HOME, 'ivc'), user)!.identity

async function listener(user: string) {
  const child = startCli(['listen', '--user', user, '--port', '0', '--auto-accept', '--json', ...common])
  const log = lineLog(child)
  const listening = JSON.parse(await log.waitFor((line) => line.includes('"event":"listening"'))) as {port: number}
  const bus = await Bus.connect({redis, user, component: 'test', logger: recordingLogger()})
  buses.push(bus)
  const event = async (type: string, callId: string) => JSON.parse(await log.waitFor((line) => line.includes(`"event":"${type}"`) && line.includes(`"callId":"${callId}"`), 90_000))
  return {port: listening.port, bus, event}
}

describe('a relay that changes the invite but not the key shares, and signs again with keys it should not have', () => {
  // The signatures (docs/protocol.md, "Authenticated calls") stop such a relay before the call starts, and without
  // the keys it cannot even read the invite (signalling 5). This one holds both identity keys, so only the second
  // check is left: the control key is bound to the set-up hash, and alice and bob saw different invites.
  it('strips the audio from the offer: the control handshake fails, and both sides end the call auth-failed', async () => {
    const [alice, bob] = [name('alice'), name('bob')]
    const [caller, callee] = await Promise.all([listener(alice), listener(bob)])
    const relay = await keyHoldingRelay(callee.port, {caller: identityOf(alice), callee: identityOf(bob)}, (invite) => {
      delete invite.media.audio
      return invite
    })
    const {callId} = await caller.bus.request('call', 'call.dial', {peer: bob, host: '127.0.0.1', port: relay.port, publicKey: identityOf(bob).publicKey}, {timeoutMs: 60_000})
    const {before, after} = await relay.rewritten
    expect(Object.keys(before.media).sort()).toEqual(['audio', 'video'])
    expect(Object.keys(after.media)).toEqual(['video'])
    expect(after.keyShare).toBe(before.keyShare)
    const [callerEnd, calleeEnd] = await Promise.all([caller.event('call.ended', callId), callee.event('call.ended', callId)])
    expect(callerEnd).toMatchObject({code: 'auth-failed', reason: expect.stringContaining('the control handshake with')})
    // The hang-up tells bob why (`code: auth-failed`): the same verdict on his side, not a crash of alice's.
    expect(calleeEnd).toMatchObject({code: 'auth-failed', reason: expect.stringContaining(`${alice} could not authenticate the set-up: the set-up could not be confirmed`)})
  }, 120_000)
})
