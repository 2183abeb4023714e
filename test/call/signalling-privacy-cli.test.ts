import {randomUUID} from 'node:crypto'
import {join} from 'node:path'

import {afterAll, afterEach, describe, expect, inject, it} from 'vitest'

import {Bus} from '../../src/bus/bus.js'
import {readIdentity} from '../../src/security/identity-file.js'
import {killAll, lineLog, startCli, TEST_CONFIG_HOME} from '../support/cli.js'
import {recordingLogger} from '../support/logger.js'
import {capturingRelay, closeRelays, helloSwappingRelay} from './signal-relays.js'

/**
 * "The signalling (names, addresses, ports, the offer) travels in the clear" (issue 16), closed by signalling 5
 * (docs/protocol.md, "Signalling hello"; SECURITY.md): real `ivc listen` processes, real TCP, and a relay on the
 * path between alice's call component and bob.
 */
const redis = inject('redisUrl')
const name = (prefix: string) => `${prefix}${randomUUID().slice(0, 6)}`
const common = ['--redis', redis, '--address', '127.0.0.1', '--heartbeat-ms', '200', '--expiry-ms', '1000', '--size', '160x120', '--video-connections', '2', '--audio-connections', '1', '--video-sink', 'null', '--audio-sink', 'null']
const buses: Bus[] = []

afterEach(async () => {
  closeRelays()
  await killAll()
})
afterAll(async () => {
  await Promise.all(buses.map((bus) => bus.close()))
})

async function listener(user: string) {
  const child = startCli(['listen', '--user', user, '--port', '0', '--auto-accept', '--json', ...common])
  const log = lineLog(child)
  const stderr = lineLog(child, 'stderr')
  const listening = JSON.parse(await log.waitFor((line) => line.includes('"event":"listening"'))) as {port: number}
  const bus = await Bus.connect({redis, user, component: 'test', logger: recordingLogger()})
  buses.push(bus)
  const event = async (type: string, callId: string) => JSON.parse(await log.waitFor((line) => line.includes(`"event":"${type}"`) && line.includes(`"callId":"${callId}"`), 90_000))
  return {port: listening.port, bus, event, log, stderr}
}

const keyOf = (user: string) => readIdentity(join(TEST_CONFIG_HOME, 'ivc'), user)!.identity.publicKey

describe('signalling on the path', () => {
  it('shows a passive observer neither name, nor address, ports or offer, and the call still connects', async () => {
    const [alice, bob] = [name('alice'), name('bob')]
    const [caller, callee] = await Promise.all([listener(alice), listener(bob)])
    const tap = await capturingRelay(callee.port)
    const {callId} = await caller.bus.request('call', 'call.dial', {peer: bob, host: '127.0.0.1', port: tap.port, publicKey: keyOf(bob)}, {timeoutMs: 60_000})
    const [incoming] = await Promise.all([callee.event('call.incoming', callId), caller.event('call.media-up', callId), callee.event('call.media-up', callId)])
    await caller.bus.request('call', 'call.hangup', {}, {callId})
    await callee.event('call.ended', callId)

    const upstream = Buffer.concat(tap.fromCaller)
    const downstream = Buffer.concat(tap.fromCallee)
    // What is there: the two 40-byte hellos in the clear, then TLS records (content types 0x16 handshake, 0x17 data).
    expect(upstream.subarray(0, 5).toString('latin1')).toBe('IVCH\u0006')
    expect(downstream.subarray(0, 5).toString('latin1')).toBe('IVCH\u0006')
    expect([0x16, 0x17]).toContain(upstream[40])
    expect(upstream.length + downstream.length).toBeGreaterThan(1000)
    // What is not: anything the invite, the accept or the proof says.
    const offer = incoming.media as {video: {port: number; formats: string[]}; audio: {port: number; formats: string[]}}
    const secrets = [alice, bob, '127.0.0.1', String(offer.video.port), String(offer.audio.port), ...offer.video.formats, ...offer.audio.formats, '"media"', 'callId', callId, keyOf(alice), keyOf(bob), 'invite', 'IVCS']
    for (const [direction, bytes] of [['caller → callee', upstream], ['callee → caller', downstream]] as const) {
      for (const text of secrets) expect(bytes.includes(Buffer.from(text, 'latin1')), `${direction} shows ${JSON.stringify(text)}`).toBe(false)
    }
  }, 120_000)

  it('a relay that runs the hello with each side (its own keys) is refused AUTH_FAILED on both sides, learning nothing of the invite', async () => {
    const [alice, bob] = [name('alice'), name('bob')]
    const [caller, callee] = await Promise.all([listener(alice), listener(bob)])
    const relay = await helloSwappingRelay(callee.port)
    const {callId} = await caller.bus.request('call', 'call.dial', {peer: bob, host: '127.0.0.1', port: relay.port, publicKey: keyOf(bob)}, {timeoutMs: 60_000})
    const ended = await caller.event('call.ended', callId)
    expect(ended).toMatchObject({code: 'auth-failed', reason: expect.stringContaining('someone on the path ran the hello with each side')})
    await callee.stderr.waitFor((line) => line.includes('a caller refused this side\'s identity proof: AUTH_FAILED'))
    // The relay read bob's proof and alice's refusal of it, and nothing else: no invite, no name.
    expect(relay.seen.map((message) => message.type).filter((type) => type !== 'keepalive' && type !== 'keepalive-ack')).toEqual(['proof', 'proof-refused'])
    expect(JSON.stringify(relay.seen)).not.toContain(alice)
    for (const log of [caller.log, callee.log]) expect(log.lines.some((line) => /"call\.(incoming|started|media-up)"/.test(line))).toBe(false)
  }, 120_000)
})
