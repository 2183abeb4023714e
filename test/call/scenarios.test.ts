import {describe, expect, it} from 'vitest'

import {glareWinner} from '../../src/call/setup-states.js'
import {endErrorCode} from '../../src/call/steps.js'
import type {CallEffect, CallState} from '../../src/call/types.js'
import {newKeyShare} from '../../src/security/key-share.js'
import {TwoPeers} from './two-peers.js'


function emitted(effects: CallEffect[], event: string) {
  return effects.filter((e): e is Extract<CallEffect, {type: 'emit'}> => e.type === 'emit' && e.event === event)
}

function callOf(state: CallState) {
  if (state.kind !== 'in-call' && state.kind !== 'ending') throw new Error(`not in a call: ${state.kind}`)
  return state.call
}

/** alice calls bob, bob accepts: both in-call. */
function connected(net = new TwoPeers().add('alice').add('bob')) {
  const callId = net.dial('alice', 'bob')
  expect(net.state('alice')).toMatchObject({kind: 'calling', call: {phase: 'ringing'}})
  expect(net.state('bob')).toMatchObject({kind: 'incoming', call: {callId, peer: 'alice', glare: false}})
  net.accept('bob')
  return {net, callId}
}

describe('call scenarios (two reducers on an in-memory network)', () => {
  it('a full call: ring, accept, media, hang up, both back to listening', () => {
    const {net, callId} = connected()
    const [alice, bob] = [callOf(net.state('alice')), callOf(net.state('bob'))]
    // Both derived the same secret from the key shares; it never crossed the wire.
    expect(alice).toMatchObject({role: 'caller', secret: expect.stringMatching(/^[0-9a-f]{64}$/), controlPort: 40_100, peer: 'bob'})
    expect(bob).toMatchObject({role: 'callee', secret: alice.secret, peer: 'alice'})
    const wire = net.peer('alice').effects.concat(net.peer('bob').effects).filter((e) => e.type === 'send')
    expect(JSON.stringify(wire)).not.toContain(alice.secret)
    expect(net.peer('alice').media.has(callId) && net.peer('bob').media.has(callId)).toBe(true)
    expect(net.peer('alice').effects).toContainEqual({type: 'set-presence', status: 'in-call'})

    net.advance(12_000).dispatch('alice', {type: 'hangup'})
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {callId, code: 'hangup', durationMs: 12_000, role: 'caller'}})
    expect(net.state('bob')).toMatchObject({kind: 'listening', lastEnd: {callId, code: 'remote-hangup', durationMs: 12_000, role: 'callee'}})
    expect(net.peer('bob').media.size).toBe(0)
    expect(net.peer('bob').effects.at(-2)).toEqual({type: 'set-presence', status: 'online'})
    expect(emitted(net.peer('alice').effects, 'call.ended')).toHaveLength(1)
    // The answer timer was cancelled: a minute later nothing fires.
    net.advance(60_000)
    expect(net.state('alice').kind).toBe('listening')
  })

  it('reject: the caller learns it was declined', () => {
    const net = new TwoPeers().add('alice').add('bob')
    net.dial('alice', 'bob')
    net.dispatch('bob', {type: 'reject', reason: 'in a meeting'})
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {code: 'rejected', reason: 'bob rejected the call (declined: in a meeting)'}})
    expect(net.state('bob')).toMatchObject({kind: 'listening', lastEnd: {code: 'declined'}})
    expect(endErrorCode('rejected')).toBe('CALL_REJECTED')
  })

  it('busy: a third caller is refused and the call goes on', () => {
    const {net, callId} = connected(new TwoPeers().add('alice').add('bob').add('carol'))
    net.dial('carol', 'alice')
    expect(net.state('carol')).toMatchObject({kind: 'listening', lastEnd: {code: 'busy'}})
    expect(net.state('alice')).toMatchObject({kind: 'in-call', call: {callId}})
    expect(net.state('bob').kind).toBe('in-call')
    expect(emitted(net.peer('alice').effects, 'call.refused')[0].body).toEqual({peer: 'carol', reason: 'busy'})
  })

  it('busy while ringing, and while calling someone else', () => {
    const net = new TwoPeers().add('alice').add('bob').add('carol').add('dave')
    net.dial('alice', 'bob')
    net.dial('carol', 'bob')
    net.dial('dave', 'alice')
    expect(net.state('carol')).toMatchObject({kind: 'listening', lastEnd: {code: 'busy'}})
    expect(net.state('dave')).toMatchObject({kind: 'listening', lastEnd: {code: 'busy'}})
    expect(net.state('bob')).toMatchObject({kind: 'incoming', call: {peer: 'alice'}})
  })

  it('cancel: the caller gives up while it rings', () => {
    const net = new TwoPeers().add('alice').add('bob')
    net.dial('alice', 'bob')
    net.dispatch('alice', {type: 'hangup'})
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {code: 'cancelled'}})
    expect(net.state('bob')).toMatchObject({kind: 'listening', lastEnd: {code: 'remote-cancelled'}})
  })

  it('timeout: nobody answers for 30 s, both sides end it as timeout', () => {
    const net = new TwoPeers().add('alice').add('bob')
    net.dial('alice', 'bob')
    net.advance(29_999)
    expect(net.state('bob').kind).toBe('incoming')
    net.advance(1)
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {code: 'timeout'}})
    expect(net.state('bob')).toMatchObject({kind: 'listening', lastEnd: {code: 'timeout'}})
    expect(endErrorCode('timeout')).toBe('CALL_TIMEOUT')
  })

  it('timeout on the caller only: its cancel tells the callee why', () => {
    const net = new TwoPeers().add('alice', {answerTimeoutMs: 5000}).add('bob')
    net.dial('alice', 'bob')
    net.advance(5000)
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {code: 'timeout', reason: 'bob did not answer within 5000 ms'}})
    expect(net.state('bob')).toMatchObject({kind: 'listening', lastEnd: {code: 'timeout'}})
  })

  it.each([
    ['alice', 'bob'],
    ['zed', 'amy'],
  ])('glare between %s and %s: exactly one call survives, its caller the smaller name', (first, second) => {
    const net = new TwoPeers().add(first).add(second)
    net.together(
      [first, {type: 'dial', callId: 'call-from-first', peer: second, host: second, port: 1, address: first, conn: 'g1', media: {}, keyShare: newKeyShare()}],
      [second, {type: 'dial', callId: 'call-from-second', peer: first, host: first, port: 1, address: second, conn: 'g2', media: {}, keyShare: newKeyShare()}],
    )
    const [caller, callee] = first < second ? [first, second] : [second, first]
    const survivor = first < second ? 'call-from-first' : 'call-from-second'
    expect(net.state(caller)).toMatchObject({kind: 'calling', call: {callId: survivor, phase: 'ringing'}})
    expect(net.state(callee)).toMatchObject({kind: 'incoming', call: {callId: survivor, peer: caller, glare: true}})
    // The loser's own call is withdrawn quietly: no call.ended for it.
    expect(emitted(net.peer(callee).effects, 'call.ended')).toEqual([])
    net.accept(callee)
    expect(callOf(net.state(caller))).toMatchObject({callId: survivor, role: 'caller'})
    expect(callOf(net.state(callee))).toMatchObject({callId: survivor, role: 'callee'})
  })

  it('glare ties on names fall back to the smaller call id', () => {
    expect(glareWinner({caller: 'a', callId: 'call-2'}, {caller: 'b', callId: 'call-1'})).toBe('ours')
    expect(glareWinner({caller: 'a', callId: 'call-2'}, {caller: 'a', callId: 'call-1'})).toBe('theirs')
  })

  it.each(['video', 'audio', 'control'])('the %s component crashes mid-call: both sides end it and listen again', (component) => {
    const {net, callId} = connected()
    net.dispatch('bob', {type: 'component-exited', callId, component, reason: 'killed by SIGKILL'})
    expect(net.state('bob')).toMatchObject({kind: 'listening', lastEnd: {code: 'component-crashed', reason: `${component} component exited: killed by SIGKILL`}})
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {code: 'remote-hangup', reason: `bob hung up: ${component} failed`}})
  })

  it('the control connection is lost: ends as control-lost, peer told', () => {
    const {net, callId} = connected()
    net.dispatch('alice', {type: 'control-lost', callId, reason: 'connection reset'})
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {code: 'control-lost'}})
    expect(net.state('bob')).toMatchObject({kind: 'listening', lastEnd: {code: 'remote-hangup'}})
    expect(endErrorCode('control-lost')).toBe('PEER_GONE')
  })

  it('the peer vanishes mid-call (kill -9): the survivor ends it as peer-gone', () => {
    const {net} = connected()
    net.kill('bob')
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {code: 'peer-gone', reason: 'lost the signalling connection to bob: connection reset'}})
  })

  it('the peer vanishes while ringing, and the caller vanishes while we ring', () => {
    const net = new TwoPeers().add('alice').add('bob').add('carol')
    net.dial('alice', 'bob')
    net.kill('bob')
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {code: 'peer-gone'}})
    net.dial('carol', 'alice')
    net.kill('carol')
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {code: 'peer-gone', peer: 'carol'}})
  })

  it('an unreachable peer ends the attempt as unreachable', () => {
    const net = new TwoPeers().add('alice')
    net.dial('alice', 'nobody')
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {code: 'unreachable', reason: 'cannot connect to nobody at nobody:12344: ECONNREFUSED'}})
    expect(endErrorCode('unreachable')).toBe('PEER_UNREACHABLE')
  })

  it('an accept whose key share is of low order ends the call before any media, and the callee is told', () => {
    const net = new TwoPeers().add('alice').add('bob')
    const callId = net.dial('alice', 'bob')
    // u = 0: the "shared" secret would be all zeros. A callee cannot send this by accident, so treat it as hostile.
    net.dispatch('bob', {type: 'accept', secret: 'ab'.repeat(32), keyShare: 'A'.repeat(43), controlPort: 40_100, media: {}})
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {callId, code: 'peer-gone', reason: expect.stringContaining('bob answered with the peer\'s key share is unusable')}})
    expect(net.peer('alice').media.has(callId)).toBe(false)
    expect(net.state('bob')).toMatchObject({kind: 'listening', lastEnd: {callId, code: 'remote-hangup'}})
  })

  it('an invite for someone else (stale directory) is rejected as wrong-user', () => {
    const net = new TwoPeers().add('alice').add('bob')
    net.dispatch('alice', {type: 'dial', callId: 'call-wrong-1', peer: 'carol', host: 'bob', port: 1, address: 'alice', conn: 'w1', media: {}, keyShare: newKeyShare()})
    expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {code: 'rejected', reason: 'carol rejected the call (wrong-user: this is bob, not carol)'}})
    expect(net.state('bob')).toMatchObject({kind: 'listening'})
    expect(net.state('bob').lastEnd).toBeUndefined()
  })

  it('components that never stop: after the teardown timeout the manager listens anyway', () => {
    const {net} = connected()
    net.mediaStops = false
    net.dispatch('alice', {type: 'hangup'})
    expect(net.state('alice').kind).toBe('ending')
    net.advance(2999)
    expect(net.state('alice').kind).toBe('ending')
    net.advance(1)
    expect(net.state('alice').kind).toBe('listening')
    expect(net.peer('alice').effects).toContainEqual(expect.objectContaining({type: 'log', level: 'warn'}))
  })

  it('media toggles reach the peer through control and show in both states', () => {
    const {net, callId} = connected()
    net.dispatch('alice', {type: 'set-media', kind: 'video', on: false})
    expect(callOf(net.state('alice')).sending.local).toEqual({audio: true, video: false})
    expect(callOf(net.state('bob')).sending.peer).toEqual({audio: true, video: false})
    net.dispatch('alice', {type: 'set-media', kind: 'video', on: true})
    expect(callOf(net.state('bob')).sending.peer).toEqual({audio: true, video: true})
    expect(emitted(net.peer('bob').effects, 'call.media').map((e) => e.body)).toEqual([
      {side: 'peer', kind: 'video', on: false},
      {side: 'peer', kind: 'video', on: true},
    ])
    // A toggle from an older call is ignored.
    const step = net.peer('bob')
    net.dispatch('bob', {type: 'peer-media', callId: `${callId}-old`, kind: 'audio', on: false})
    expect(step.steps.at(-1)?.outcome).toBe('ignored')
  })

  it('any number of calls in sequence, either side calling, stale timers ignored', () => {
    const net = new TwoPeers().add('alice').add('bob')
    for (let round = 0; round < 5; round++) {
      const [caller, callee] = round % 2 === 0 ? ['alice', 'bob'] : ['bob', 'alice']
      const callId = net.dial(caller, callee)
      net.accept(callee)
      expect(callOf(net.state(caller)).callId).toBe(callId)
      net.advance(1000).dispatch(round % 3 === 0 ? caller : callee, {type: 'hangup'})
      expect(net.state('alice')).toMatchObject({kind: 'listening', lastEnd: {callId}})
      expect(net.state('bob')).toMatchObject({kind: 'listening', lastEnd: {callId}})
      net.dispatch('alice', {type: 'timer', timer: 'answer', callId})
      expect(net.peer('alice').steps.at(-1)?.outcome).toBe('ignored')
    }
  })

  it('shutdown mid-call: the local side goes idle and offline, the peer ends it', () => {
    const {net} = connected()
    net.dispatch('alice', {type: 'shutdown'})
    expect(net.state('alice')).toMatchObject({kind: 'idle', lastEnd: {code: 'shutdown'}})
    expect(net.peer('alice').effects).toContainEqual({type: 'set-presence', status: 'offline'})
    expect(net.state('bob')).toMatchObject({kind: 'listening', lastEnd: {code: 'remote-hangup', reason: 'alice hung up: shutting down'}})
  })
})
