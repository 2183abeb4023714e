import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {signAccept} from '../../src/call/call-identity.js'
import {glareWinner, receivedInvite} from '../../src/call/setup-states.js'
import {END_CODES, endErrorCode} from '../../src/call/steps.js'
import type {CallState, EndCode} from '../../src/call/types.js'
import {ERRORS} from '../../src/foundation/errors.js'
import {fingerprint} from '../../src/security/identity.js'
import {KnownPeers} from '../../src/security/known-peers.js'
import {CALL_PORT, CONTROL_PORT, peek, TwoPeers} from './two-peers.js'
import {testIdentity} from '../support/identities.js'

function callOf(state: CallState) {
  if (state.kind !== 'in-call' && state.kind !== 'ending') throw new Error(`not in a call: ${state.kind}`)
  return state.call
}

async function peers(...users: string[]): Promise<TwoPeers> {
  const net = new TwoPeers()
  for (const user of users) await net.add(user)
  return net
}

/** alice calls bob, bob accepts: both in-call. */
async function connected(net?: TwoPeers) {
  net ??= await peers('alice', 'bob')
  const {callId, ended} = await net.dial('alice', 'bob')
  expect(net.state('alice')).toMatchObject({kind: 'calling', call: {phase: 'ringing'}})
  expect(net.state('bob')).toMatchObject({kind: 'incoming', call: {callId, peer: 'alice', glare: false}})
  await net.accept('bob')
  return {net, callId, ended}
}

describe('call scenarios (two CallDrivers on an in-memory network and a fake clock)', () => {
  it('a caller refuses an accept that chose a format it did not offer: the set-up ends, nothing starts', async () => {
    const net = await peers('alice', 'bob')
    // Bob's answer names opus for what he sends, which alice (pcm-s16le only) never offered; his signature is valid.
    net.peer('bob').media.answer = (invite, local) => ({audio: {...local.audio!, toCaller: 'opus', toCallee: 'pcm-s16le'}})
    const {callId} = await net.dial('alice', 'bob')
    await net.accept('bob').catch(() => undefined)
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {callId, code: 'peer-gone', reason: 'protocol error in bob\'s accept: the accept chose audio toCaller "opus", which this side did not offer'}})
    expect(net.peer('alice').media.running(callId)?.call).toBeUndefined()
    expect(net.events('alice', 'call.media-up')).toEqual([])
  })

  it('a full call: ring, accept, media, hang up, both back to listening', async () => {
    const {net, callId, ended} = await connected()
    const [alice, bob] = [callOf(net.state('alice')), callOf(net.state('bob'))]
    // Both derived the same secret from the key shares; it never crossed the wire.
    expect(alice).toMatchObject({role: 'caller', secret: expect.stringMatching(/^[0-9a-f]{64}$/), controlPort: CONTROL_PORT, peer: 'bob'})
    expect(bob).toMatchObject({role: 'callee', secret: alice.secret, peer: 'alice'})
    // Both hashed the same invite and accept, one as sent and one as decoded off the wire: the control key agrees.
    expect(alice.setupHash).toMatch(/^[0-9a-f]{64}$/)
    expect(bob.setupHash).toBe(alice.setupHash)
    const wire = Buffer.concat(net.network.wire)
    expect(wire.includes(alice.secret) || wire.includes(Buffer.from(alice.secret, 'hex'))).toBe(false)
    // Each side's components started before the call was agreed, and were given the call once it was.
    expect(net.peer('alice').media.running(callId)).toMatchObject({started: 'caller', call: {secret: alice.secret, role: 'caller'}})
    expect(net.peer('bob').media.running(callId)).toMatchObject({started: 'callee', call: {secret: alice.secret, role: 'callee'}})
    expect(net.peer('alice').timeline).toContainEqual({presence: 'in-call'})
    // With the formats the accept chose: both offer only pcm-s16le here.
    const pcm = {audio: {send: 'pcm-s16le', receive: 'pcm-s16le'}}
    expect(net.events('alice', 'call.media-up')).toEqual([{callId, peer: 'bob', formats: pcm}])
    expect(net.events('bob', 'call.media-up')).toEqual([{callId, peer: 'alice', formats: pcm}])

    await net.advance(12_000)
    await net.command('alice', (driver) => driver.hangup())
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {callId, code: 'hangup', durationMs: 12_000, role: 'caller'}})
    expect(net.state('bob')).toMatchObject({kind: 'listening', lastEnd: {callId, code: 'remote-hangup', durationMs: 12_000, role: 'callee'}})
    expect(net.peer('bob').media.running(callId)).toBeUndefined()
    expect(net.peer('bob').timeline.slice(-2)).toEqual([{presence: 'online'}, {event: 'call.ended', body: expect.objectContaining({callId, code: 'remote-hangup'})}])
    // The summary carries what the components reported last, and goes to whoever placed the call.
    const summary = {callId, peer: 'bob', role: 'caller', durationS: 12, endReason: 'hung up', endCode: 'hangup', audio: {role: 'receiver', frames: 500}, setupMs: 120}
    expect(net.events('alice', 'call.ended')).toEqual([expect.objectContaining({callId, summary})])
    expect(await peek(ended)).toEqual(summary)
    expect(net.peer('alice').bus.published).toContainEqual({topic: 'call', type: 'call.ended', body: expect.objectContaining({summary}), callId})
    // The answer and teardown timers were cancelled: nothing is left to fire, and a minute later nothing has.
    expect(net.clock.pending).toBe(0)
    await net.advance(60_000)
    expect(net.state('alice').kind).toBe('listening')
  })

  it('keeps its records in whole milliseconds, as they go out on the bus, whatever the clock\'s fractions', async () => {
    const net = await peers('alice', 'bob')
    await net.advance(0.25)
    const {callId} = await connected(net)
    await net.advance(1000.5)
    await net.command('alice', (driver) => driver.hangup())
    expect(net.state('alice').lastEnd).toMatchObject({callId, startedAt: 1_000_000, endedAt: 1_001_000, durationMs: 1000})
  })

  it('reject: the caller learns it was declined, and the callee\'s components, started as it rang, stop', async () => {
    const net = await peers('alice', 'bob')
    const {callId} = await net.dial('alice', 'bob')
    const ringing = net.peer('bob').media.running(callId)
    expect(ringing?.started).toBe('callee')
    await net.command('bob', (driver) => driver.reject('in a meeting'))
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {code: 'rejected', reason: 'bob rejected the call (declined: in a meeting)'}})
    expect(net.state('bob')).toMatchObject({kind: 'listening', lastEnd: {code: 'declined'}})
    expect(ringing?.stopped).toBe(true)
    expect(net.peer('alice').media.sessions.map((s) => s.stopped)).toEqual([true])
    expect(endErrorCode('rejected')).toBe('CALL_REJECTED')
  })

  it('busy: a third caller is refused and the call goes on', async () => {
    const {net, callId} = await connected(await peers('alice', 'bob', 'carol'))
    await net.dial('carol', 'alice')
    expect(net.state('carol')).toMatchObject({kind: 'listening', lastEnd: {code: 'busy'}})
    expect(net.state('alice')).toMatchObject({kind: 'in-call', call: {callId}})
    expect(net.state('bob').kind).toBe('in-call')
    expect(net.events('alice', 'call.refused')).toEqual([{callId: expect.any(String), peer: 'carol', reason: 'busy'}])
  })

  it('busy while ringing, and while calling someone else', async () => {
    const net = await peers('alice', 'bob', 'carol', 'dave')
    await net.dial('alice', 'bob')
    await net.dial('carol', 'bob')
    await net.dial('dave', 'alice')
    expect(net.state('carol')).toMatchObject({kind: 'listening', lastEnd: {code: 'busy'}})
    expect(net.state('dave')).toMatchObject({kind: 'listening', lastEnd: {code: 'busy'}})
    expect(net.state('bob')).toMatchObject({kind: 'incoming', call: {peer: 'alice'}})
  })

  it('a call placed while in one is refused at once, and nothing is started for it', async () => {
    const {net} = await connected()
    await expect(net.dial('alice', 'bob')).rejects.toMatchObject({code: 'BAD_USAGE', message: 'already in a call with bob'})
    expect(net.peer('alice').media.sessions.filter((s) => s.started)).toHaveLength(1)
  })

  it('cancel: the caller gives up while it rings', async () => {
    const net = await peers('alice', 'bob')
    await net.dial('alice', 'bob')
    await net.command('alice', (driver) => driver.hangup())
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {code: 'cancelled'}})
    expect(net.state('bob')).toMatchObject({kind: 'listening', lastEnd: {code: 'remote-cancelled'}})
  })

  it('cancelled while still connecting: the connection that comes up late is closed, no invite goes out', async () => {
    const net = await peers('alice', 'bob')
    net.network.hold('bob')
    await net.dial('alice', 'bob')
    expect(net.state('alice')).toMatchObject({kind: 'calling', call: {phase: 'connecting'}})
    await net.command('alice', (driver) => driver.hangup())
    net.network.release('bob')
    await net.settle()
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {code: 'cancelled'}})
    expect(net.network.openLinks('alice')).toBe(0)
    expect(net.network.wire).toEqual([])
    expect(net.state('bob')).toMatchObject({kind: 'listening'})
  })

  it('timeout: nobody answers for 30 s, both sides end it as timeout', async () => {
    const net = await peers('alice', 'bob')
    await net.dial('alice', 'bob')
    await net.advance(29_999)
    expect(net.state('bob').kind).toBe('incoming')
    await net.advance(1)
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {code: 'timeout'}})
    expect(net.state('bob')).toMatchObject({kind: 'listening', lastEnd: {code: 'timeout'}})
    expect(endErrorCode('timeout')).toBe('CALL_TIMEOUT')
  })

  it('timeout on the caller only: its cancel tells the callee why', async () => {
    const net = new TwoPeers()
    await net.add('alice', {answerTimeoutMs: 5000})
    await net.add('bob')
    await net.dial('alice', 'bob')
    await net.advance(5000)
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {code: 'timeout', reason: 'bob did not answer within 5000 ms'}})
    expect(net.state('bob')).toMatchObject({kind: 'listening', lastEnd: {code: 'timeout'}})
  })

  it.each([
    ['alice', 'bob'],
    ['zed', 'amy'],
  ])('glare between %s and %s: exactly one call survives, its caller the smaller name', async (first, second) => {
    const net = await peers(first, second)
    // Both dial before either hears of the other.
    const [fromFirst, fromSecond] = await Promise.all([net.driver(first).placeCall(second, second, CALL_PORT, testIdentity(second).publicKey), net.driver(second).placeCall(first, first, CALL_PORT, testIdentity(first).publicKey)])
    await net.settle()
    const [caller, callee] = first < second ? [first, second] : [second, first]
    const [survivor, yielded] = first < second ? [fromFirst, fromSecond] : [fromSecond, fromFirst]
    expect(net.state(caller)).toMatchObject({kind: 'calling', call: {callId: survivor.callId, phase: 'ringing'}})
    expect(net.state(callee)).toMatchObject({kind: 'incoming', call: {callId: survivor.callId, peer: caller, glare: true}})
    // The loser's own call is withdrawn quietly (no call.ended for it) and its components stop.
    expect(net.events(callee, 'call.ended')).toEqual([])
    expect(net.events(callee, 'call.replaced')).toEqual([{callId: yielded.callId, peer: caller, replacedBy: survivor.callId}])
    expect(net.peer(callee).media.sessions.find((s) => s.callId === yielded.callId)?.stopped).toBe(true)
    await net.accept(callee)
    expect(callOf(net.state(caller))).toMatchObject({callId: survivor.callId, role: 'caller'})
    expect(callOf(net.state(callee))).toMatchObject({callId: survivor.callId, role: 'callee'})
    // Whoever waited for the yielded call's end (a delegated `ivc call`) gets the surviving call's.
    await net.command(caller, (driver) => driver.hangup())
    expect(await peek(yielded.ended)).toMatchObject({callId: survivor.callId, endCode: 'remote-hangup'})
  })

  it('glare ties on names fall back to the smaller call id', () => {
    expect(glareWinner({caller: 'a', callId: 'call-2'}, {caller: 'b', callId: 'call-1'})).toBe('ours')
    expect(glareWinner({caller: 'a', callId: 'call-2'}, {caller: 'a', callId: 'call-1'})).toBe('theirs')
  })

  it.each(['video', 'audio', 'control'])('the %s component crashes mid-call: both sides end it and listen again', async (component) => {
    const {net} = await connected()
    net.peer('bob').media.crash(component, 'killed by SIGKILL')
    await net.settle()
    expect(net.state('bob')).toMatchObject({kind: 'listening', lastEnd: {code: 'component-crashed', reason: `${component} component exited: killed by SIGKILL`}})
    // The peer hears a failure, not a hang-up, and each side's `ivc call` would exit with its own truth.
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {code: 'peer-failed', reason: `bob's side of the call failed: ${component} failed`}})
    expect([endErrorCode('component-crashed'), endErrorCode('peer-failed')]).toEqual(['COMPONENT_FAILED', 'PEER_GONE'])
  })

  it('a component that ends because the peer\'s end of its stream went away ends the call as peer-gone', async () => {
    const {net} = await connected()
    net.peer('alice').media.crash('video sender', 'exit 21', 'peer')
    await net.settle()
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {code: 'peer-gone', reason: 'bob\'s end of the video sender stream went away: exit 21'}})
    expect(net.state('bob')).toMatchObject({kind: 'listening', lastEnd: {code: 'peer-failed'}})
  })

  it('every end code has a documented meaning and exit; only the endings a person chose exit 0', () => {
    const codes = Object.keys(END_CODES) as EndCode[]
    expect(codes.filter((code) => endErrorCode(code) === undefined).sort()).toEqual(['cancelled', 'declined', 'glare', 'hangup', 'remote-cancelled', 'remote-hangup', 'shutdown'])
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')
    const rows = [...doc.matchAll(/^\| `([a-z-]+)` \| (\d+) \|/gm)].map((match) => [match[1], Number(match[2])])
    expect(rows).toEqual(codes.map((code) => [code, endErrorCode(code) ? ERRORS[endErrorCode(code)!].exit : 0]))
  })

  it('a component that ends while no call is in progress ends nothing', async () => {
    const net = await peers('alice', 'bob')
    net.peer('alice').media.crash('video receiver', 'exit 1')
    await net.settle()
    expect(net.state('alice')).toMatchObject({kind: 'listening'})
    expect(net.state('alice').lastEnd).toBeUndefined()
  })

  it('the control connection is lost: ends as control-lost, peer told', async () => {
    const {net, callId} = await connected()
    await net.control('alice', 'control.lost', callId, {reason: 'connection reset'})
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {code: 'control-lost', reason: 'control connection lost: connection reset'}})
    expect(net.state('bob')).toMatchObject({kind: 'listening', lastEnd: {code: 'peer-failed'}})
    expect(endErrorCode('control-lost')).toBe('PEER_GONE')
  })

  it('the peer hangs up through the control connection', async () => {
    const {net, callId} = await connected()
    await net.control('bob', 'control.hangup', callId, {reason: 'bye'})
    expect(net.state('bob')).toMatchObject({kind: 'listening', lastEnd: {code: 'remote-hangup', reason: 'alice hung up: bye'}})
  })

  it('the peer vanishes mid-call (kill -9): the survivor ends it as peer-gone', async () => {
    const {net} = await connected()
    await net.kill('bob')
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {code: 'peer-gone', reason: 'lost the signalling connection to bob: connection reset'}})
  })

  it('a stalled peer shows as stalled on either connection and resumed when both hear it again; the call goes on', async () => {
    const {net, callId} = await connected()
    await net.liveness('alice', {kind: 'stalled', silentMs: 2000})
    expect(net.events('alice', 'call.stalled')).toEqual([{callId, peer: 'bob', silentMs: 2000, timeoutMs: 15_000}])
    // The control component falls silent too: still one stall.
    await net.control('alice', 'control.stalled', callId, {silentMs: 2100})
    await net.liveness('alice', {kind: 'resumed', silentMs: 5200})
    expect(net.events('alice', 'call.resumed')).toEqual([])
    await net.control('alice', 'control.resumed', callId, {silentMs: 5300})
    expect(net.events('alice', 'call.resumed')).toEqual([{callId, peer: 'bob', silentMs: 5300}])
    expect(net.events('alice', 'call.stalled')).toHaveLength(1)
    expect(net.state('alice')).toMatchObject({kind: 'in-call', call: {stalled: []}})
    expect(net.events('bob', 'call.stalled')).toEqual([])
  })

  it('the peer vanishes while ringing, and the caller vanishes while we ring', async () => {
    const net = await peers('alice', 'bob', 'carol')
    await net.dial('alice', 'bob')
    await net.kill('bob')
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {code: 'peer-gone'}})
    await net.dial('carol', 'alice')
    await net.kill('carol')
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {code: 'peer-gone', peer: 'carol'}})
  })

  it('an unreachable peer ends the attempt as unreachable', async () => {
    const net = await peers('alice')
    const {ended} = await net.dial('alice', 'nobody')
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {code: 'unreachable', reason: 'cannot connect to nobody at nobody:12344: ECONNREFUSED'}})
    expect(await peek(ended)).toMatchObject({endCode: 'unreachable'})
    expect(endErrorCode('unreachable')).toBe('PEER_UNREACHABLE')
  })

  it('an accept whose key share is of low order ends the call before any media, and the callee is told', async () => {
    const net = await peers('alice', 'bob')
    const {callId} = await net.dial('alice', 'bob')
    // u = 0: the "shared" secret would be all zeros. A callee cannot send this by accident, so treat it as hostile.
    // Signed by bob's real key, so only the share is wrong.
    const ringing = net.state('bob')
    if (ringing.kind !== 'incoming') throw new Error('bob is not ringing')
    const accept = {callId, keyShare: 'A'.repeat(43), controlPort: CONTROL_PORT, media: {}}
    const signed = signAccept(testIdentity('bob'), receivedInvite(ringing.call, 'bob'), accept)
    await net.command('bob', (driver) => driver.dispatch({type: 'accept', secret: 'ab'.repeat(32), ...accept, ...signed}))
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {callId, code: 'peer-gone', reason: expect.stringContaining('bob answered with the peer\'s key share is unusable')}})
    expect(net.peer('alice').media.sessions[0]).toMatchObject({call: undefined, stopped: true})
    expect(net.state('bob')).toMatchObject({kind: 'listening', lastEnd: {callId, code: 'remote-hangup'}})
  })

  it('an accept not signed by the callee\'s key ends the call as auth-failed before any media, and the callee is told', async () => {
    const net = await peers('alice', 'bob')
    const {callId, ended} = await net.dial('alice', 'bob')
    const ringing = net.state('bob')
    if (ringing.kind !== 'incoming') throw new Error('bob is not ringing')
    const accept = {callId, keyShare: 'q8Ld1PuTQeRzGX0ia-uVh3tJy9Dk_5wHfE2mS6oNYCc', controlPort: CONTROL_PORT, media: {}}
    const signed = signAccept(testIdentity('mallory'), receivedInvite(ringing.call, 'bob'), accept)
    await net.command('bob', (driver) => driver.dispatch({type: 'accept', secret: 'ab'.repeat(32), ...accept, ...signed}))
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {callId, code: 'auth-failed', reason: expect.stringContaining('bob\'s accept did not prove its identity key: the accept is signed by SHA256:')}})
    expect(await peek(ended)).toMatchObject({endCode: 'auth-failed'})
    expect(net.peer('alice').media.sessions[0]).toMatchObject({call: undefined, stopped: true})
    // The hang-up says why (`code: auth-failed`), so bob ends the call with the same verdict, not as a crash of alice's.
    expect(net.state('bob')).toMatchObject({kind: 'listening', lastEnd: {callId, code: 'auth-failed', reason: expect.stringContaining('alice could not authenticate the set-up: authentication failed')}})
    expect(endErrorCode('auth-failed')).toBe('AUTH_FAILED')
  })

  it('pins the peer\'s key on the first call; another key for that name is refused with IDENTITY_CHANGED, both fingerprints shown', async () => {
    const net = await peers('alice', 'bob')
    const first = await net.dial('alice', 'bob')
    await net.accept('bob')
    await net.command('alice', (driver) => driver.hangup('bye'))
    await peek(first.ended)
    const mallory = testIdentity('mallory').publicKey
    const refused = net.driver('alice').placeCall('bob', 'bob', CALL_PORT, mallory)
    await expect(refused).rejects.toMatchObject({code: 'IDENTITY_CHANGED', message: `the identity key of bob has changed: pinned ${fingerprint(testIdentity('bob').publicKey)}, now ${fingerprint(mallory)}`})
  })

  it('a callee that does not trust on first use refuses an unknown caller (auth-failed), and takes it once pinned', async () => {
    const net = new TwoPeers()
    await net.add('alice')
    await net.add('bob', {trustOnFirstUse: false})
    const {ended} = await net.dial('alice', 'bob')
    expect(await peek(ended)).toMatchObject({endCode: 'auth-failed', endReason: expect.stringContaining('no identity key is pinned for alice')})
    expect(net.events('bob', 'call.refused')).toEqual([expect.objectContaining({peer: 'alice', code: 'AUTH_FAILED'})])
    new KnownPeers(net.configDir, 'bob').set('alice', {publicKey: testIdentity('alice').publicKey})
    await net.dial('alice', 'bob')
    expect(net.state('bob').kind).toBe('incoming')
  })

  it('an invite for someone else (stale directory) is rejected as wrong-user', async () => {
    const net = await peers('alice', 'bob')
    await net.dial('alice', 'carol', 'bob')
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {code: 'rejected', reason: 'carol rejected the call (wrong-user: this is bob, not carol)'}})
    expect(net.state('bob')).toMatchObject({kind: 'listening'})
    expect(net.state('bob').lastEnd).toBeUndefined()
    expect(net.peer('bob').media.sessions).toEqual([])
  })

  it('components that never stop: after the teardown timeout the manager listens anyway', async () => {
    const {net} = await connected()
    net.peer('alice').media.stops = false
    await net.command('alice', (driver) => driver.hangup())
    expect(net.state('alice').kind).toBe('ending')
    await net.advance(2999)
    expect(net.state('alice').kind).toBe('ending')
    await net.advance(1)
    expect(net.state('alice').kind).toBe('listening')
    expect(net.peer('alice').logger.lines).toContainEqual(expect.stringMatching(/warn: components of call \S+ did not stop within 3000 ms; listening again anyway/))
    // The summary went out without media stats.
    expect(net.events('alice', 'call.ended')).toEqual([expect.objectContaining({summary: expect.not.objectContaining({audio: expect.anything()})})])
  })

  it('media toggles reach the peer through control and show in both states', async () => {
    const {net, callId} = await connected()
    await net.command('alice', (driver) => driver.setMedia('video', false))
    expect(callOf(net.state('alice')).sending.local).toEqual({audio: true, video: false})
    expect(callOf(net.state('bob')).sending.peer).toEqual({audio: true, video: false})
    // alice's own video sender hears it on her bus.
    expect(net.peer('alice').bus.published).toContainEqual({topic: 'media', type: 'media.set', body: {kind: 'video', on: false}, callId})
    await net.command('alice', (driver) => driver.setMedia('video', true))
    expect(callOf(net.state('bob')).sending.peer).toEqual({audio: true, video: true})
    expect(net.events('bob', 'call.media')).toEqual([
      {callId, side: 'peer', kind: 'video', on: false},
      {callId, side: 'peer', kind: 'video', on: true},
    ])
    // bob's media session hears it too: media-up awaits no video frame while alice has video off (MediaFlow).
    expect(net.peer('bob').media.running(callId)!.peerMedia).toEqual([
      {kind: 'video', on: false},
      {kind: 'video', on: true},
    ])
    // A toggle from an older call is ignored.
    await net.control('bob', 'control.peer-media', `${callId}-old`, {kind: 'audio', on: false})
    expect(callOf(net.state('bob')).sending.peer).toEqual({audio: true, video: true})
    expect(net.events('bob', 'call.media')).toHaveLength(2)
    expect(net.peer('bob').media.running(callId)!.peerMedia).toHaveLength(2)
  })

  it('a toggle made while the control component still starts reaches the peer once, when it is up, with no warning', async () => {
    const net = await peers('alice', 'bob')
    const releaseControl = net.peer('alice').media.holdControl()
    const {callId} = await net.dial('alice', 'bob')
    await net.accept('bob')
    await net.command('alice', (driver) => driver.setMedia('video', false))
    // Her sender already follows it (the bus); the peer hears of it once her control can tell him.
    expect(net.peer('alice').bus.published).toContainEqual({topic: 'media', type: 'media.set', body: {kind: 'video', on: false}, callId})
    expect(net.events('bob', 'call.media')).toEqual([])
    releaseControl()
    await net.settle()
    expect(net.events('bob', 'call.media')).toEqual([{callId, side: 'peer', kind: 'video', on: false}])
    expect(net.peer('alice').logger.lines.filter((line) => line.includes('warn'))).toEqual([])
  })

  it('chat reaches the peer, and both sides show it', async () => {
    const {net, callId} = await connected()
    await net.command('alice', (driver) => driver.chat('hello'))
    expect(net.events('alice', 'call.chat')).toEqual([{callId, peer: 'bob', direction: 'out', text: 'hello'}])
    expect(net.events('bob', 'call.chat')).toEqual([{callId, peer: 'alice', direction: 'in', text: 'hello'}])
  })

  it('the first frame of each medium is an event of the call in progress', async () => {
    const {net, callId} = await connected()
    net.peer('bob').media.running(callId)!.firstFrame('audio', 321)
    expect(net.events('bob', 'call.first-frame')).toEqual([{callId, peer: 'alice', kind: 'audio', setupMs: 321}])
  })

  it('accepting twice at once accepts once', async () => {
    const net = await peers('alice', 'bob')
    const {callId} = await net.dial('alice', 'bob')
    await Promise.all([net.driver('bob').accept(), net.driver('bob').accept()])
    await net.settle()
    expect(net.peer('bob').media.running(callId)?.acceptedTimes).toBe(1)
    expect(net.state('alice')).toMatchObject({kind: 'in-call', call: {callId}})
    await expect(net.driver('bob').accept()).rejects.toMatchObject({code: 'NO_CALL'})
  })

  it('any number of calls in sequence, either side calling, stale timers ignored', async () => {
    const net = await peers('alice', 'bob')
    for (let round = 0; round < 5; round++) {
      const [caller, callee] = round % 2 === 0 ? ['alice', 'bob'] : ['bob', 'alice']
      const {callId} = await net.dial(caller, callee)
      await net.accept(callee)
      expect(callOf(net.state(caller)).callId).toBe(callId)
      await net.advance(1000)
      await net.command(round % 3 === 0 ? caller : callee, (driver) => driver.hangup())
      expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {callId}})
      expect(net.state('bob')).toMatchObject({kind: 'listening', lastEnd: {callId}})
      expect(net.clock.pending).toBe(0)
      const before = net.peer('alice').timeline.length
      await net.command('alice', (driver) => driver.dispatch({type: 'timer', timer: 'answer', callId}))
      expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {callId}})
      expect(net.peer('alice').timeline).toHaveLength(before)
    }
  })

  it('shutdown mid-call: the local side goes idle and offline, the peer ends it, nothing is left running', async () => {
    const {net} = await connected()
    await net.command('alice', (driver) => driver.shutdown())
    expect(net.state('alice')).toMatchObject({kind: 'idle', lastEnd: {code: 'shutdown'}})
    expect(net.peer('alice').timeline).toContainEqual({presence: 'offline'})
    expect(net.peer('alice').media.stoppedAll).toBe(true)
    expect(net.state('bob')).toMatchObject({kind: 'listening', lastEnd: {code: 'remote-hangup', reason: 'alice hung up: shutting down'}})
    // alice no longer listens: a call to her is refused.
    const {ended} = await net.dial('bob', 'alice')
    expect(await peek(ended)).toMatchObject({endCode: 'unreachable'})
  })
})
