import {describe, expect, it} from 'vitest'

import {signAccept, signInvite} from '../../src/call/call-identity.js'
import {sentInvite} from '../../src/call/setup-states.js'
import {initialCallState, reduceCall} from '../../src/call/state-machine.js'
import type {ActiveCall, CallEvent, CallState, OutgoingCall} from '../../src/call/types.js'
import {signalCodec} from '../../src/protocol/call/signalling.js'
import {newKeyShare} from '../../src/security/key-share.js'
import {testIdentity} from '../support/identities.js'

/**
 * Every (state × event) pair, each with its expected outcome: the next state's kind ("same" = handled, state kind
 * unchanged), "ignored", or "invalid:<ERROR CODE>" for local commands that make no sense in that state.
 */
const CALL = 'call-0001'
const CONN = 'c1'
const SECRET = 'ab'.repeat(32)
const OURS = newKeyShare()
const THEIRS = newKeyShare().publicKey
const config = initialCallState({user: 'alice'}).config
const [ALICE, BOB, CAROL] = ['alice', 'bob', 'carol'].map((name) => testIdentity(name))
/** The channel of the signalling connection (the hash of its hellos), which the invite's signature covers. */
const CHANNEL = 'c'.repeat(64)
const invited = {channel: CHANNEL, callId: CALL, from: 'alice', to: 'bob', address: '10.0.0.1', keyShare: OURS.publicKey, media: {}}
const outgoing = (phase: 'connecting' | 'inviting' | 'ringing'): OutgoingCall => ({
  callId: CALL, peer: 'bob', conn: CONN, host: '10.0.0.2', port: 12_344, address: '10.0.0.1', media: {}, keyShare: OURS, identityKey: ALICE.publicKey, peerKey: BOB.publicKey, phase, since: 0,
  ...(phase === 'connecting' ? {} : {channel: CHANNEL, signature: signInvite(ALICE, invited).signature}),
})
const bobsAccept = {callId: CALL, keyShare: THEIRS, controlPort: 5002, media: {}}
const bobsSignature = signAccept(BOB, sentInvite(outgoing('inviting'), 'alice'), bobsAccept)
const carolsInvite = {callId: 'call-0003', from: 'carol', to: 'alice', address: '10.0.0.3', keyShare: THEIRS, media: {}}
const carolsSigned = signInvite(CAROL, {...carolsInvite, channel: 'd'.repeat(64)})
const active: ActiveCall = {
  callId: CALL,
  peer: 'bob',
  role: 'caller',
  conn: CONN,
  peerHost: '10.0.0.2',
  secret: SECRET,
  setupHash: 'e'.repeat(64),
  peerKey: BOB.publicKey,
  controlPort: 5000,
  local: {},
  remote: {},
  startedAt: 0,
  sending: {local: {audio: true, video: true}, peer: {audio: true, video: true}},
}

const states: Record<string, CallState> = {
  idle: {kind: 'idle', config},
  listening: {kind: 'listening', config},
  'calling/connecting': {kind: 'calling', config, call: outgoing('connecting')},
  'calling/inviting': {kind: 'calling', config, call: outgoing('inviting')},
  'calling/ringing': {kind: 'calling', config, call: outgoing('ringing')},
  incoming: {kind: 'incoming', config, call: {callId: CALL, peer: 'bob', conn: CONN, peerHost: '10.0.0.2', offer: {}, keyShare: THEIRS, inviteHash: 'a'.repeat(64), identityKey: BOB.publicKey, channel: CHANNEL, glare: false, since: 0}},
  'in-call': {kind: 'in-call', config, call: active},
  ending: {kind: 'ending', config, call: active, end: {callId: CALL, peer: 'bob', role: 'caller', code: 'hangup', reason: 'x', startedAt: 0, endedAt: 5, durationMs: 5}},
}

const signal = (message: Extract<CallEvent, {type: 'signal'}>['message'], conn = CONN, identity?: Extract<CallEvent, {type: 'signal'}>['identity']): CallEvent => ({type: 'signal', conn, message, ...(identity ? {identity} : {})})
const events: Record<string, CallEvent> = {
  'go-online': {type: 'go-online'},
  shutdown: {type: 'shutdown'},
  dial: {type: 'dial', callId: 'call-0002', peer: 'carol', host: '10.0.0.3', port: 12_344, address: '10.0.0.1', conn: 'c9', media: {}, keyShare: OURS, identityKey: ALICE.publicKey, peerKey: CAROL.publicKey},
  accept: {type: 'accept', secret: SECRET, keyShare: OURS.publicKey, controlPort: 5001, media: {}, ...signAccept(ALICE, {...invited, from: 'bob', to: 'alice', keyShare: THEIRS, identityKey: BOB.publicKey}, {callId: CALL, keyShare: OURS.publicKey, controlPort: 5001, media: {}})},
  reject: {type: 'reject'},
  hangup: {type: 'hangup'},
  'set-media': {type: 'set-media', kind: 'video', on: false},
  connected: {type: 'connected', conn: CONN, channel: CHANNEL, signature: signInvite(ALICE, invited).signature},
  'connect-failed': {type: 'connect-failed', conn: CONN, reason: 'ECONNREFUSED'},
  'connect-failed (no proof)': {type: 'connect-failed', conn: CONN, reason: 'the callee proved another key', auth: true},
  'invite (new connection)': signal({type: 'invite', ...carolsInvite, ...carolsSigned}, 'c2', {ok: true, channel: 'd'.repeat(64)}),
  'invite (unverified)': signal({type: 'invite', ...carolsInvite, ...carolsSigned}, 'c2', {ok: false, code: 'identity-changed', reason: 'another key'}),
  'proof-refused': signal({type: 'proof-refused', reason: 'not the callee expected'}),
  ringing: signal({type: 'ringing', callId: CALL}),
  'accept (peer)': signal({type: 'accept', ...bobsAccept, ...bobsSignature}),
  'accept (forged)': signal({type: 'accept', ...bobsAccept, controlPort: 6666, ...bobsSignature}),
  'reject (peer)': signal({type: 'reject', callId: CALL, code: 'declined', reason: ''}),
  busy: signal({type: 'busy', callId: CALL}),
  cancel: signal({type: 'cancel', callId: CALL, reason: ''}),
  'hangup (peer)': signal({type: 'hangup', callId: CALL, reason: ''}),
  'hangup (peer, failed on auth)': signal({type: 'hangup', callId: CALL, reason: '', failed: true, code: 'auth-failed'}),
  keepalive: signal({type: 'keepalive', seq: 1, t: 1}),
  'signal-closed': {type: 'signal-closed', conn: CONN, reason: 'reset'},
  'peer-media': {type: 'peer-media', callId: CALL, kind: 'audio', on: false},
  'control-hangup': {type: 'control-hangup', callId: CALL, reason: ''},
  'control-lost': {type: 'control-lost', callId: CALL, reason: 'reset'},
  'component-exited': {type: 'component-exited', callId: CALL, component: 'video', reason: 'SIGKILL'},
  'media-stopped': {type: 'media-stopped', callId: CALL},
  'signal-liveness': {type: 'signal-liveness', conn: CONN, stalled: true, silentMs: 2000},
  'control-liveness': {type: 'control-liveness', callId: CALL, stalled: true, silentMs: 2000},
  'timer answer': {type: 'timer', timer: 'answer', callId: CALL},
  'timer teardown': {type: 'timer', timer: 'teardown', callId: CALL},
}

const I = 'ignored'
const NC = 'invalid:NO_CALL'
const BU = 'invalid:BAD_USAGE'
//                           idle       listening    calling/c    calling/i    calling/r    incoming     in-call      ending
const table: Record<string, string[]> = {
  'go-online':               ['listening', I,          I,           I,           I,           I,           I,           I],
  shutdown:                  [I,          'idle',      'idle',      'idle',      'idle',      'idle',      'idle',      'idle'],
  dial:                      [BU,         'calling',   BU,          BU,          BU,          BU,          BU,          BU],
  accept:                    [NC,         NC,          NC,          NC,          NC,          'in-call',   NC,          NC],
  reject:                    [NC,         NC,          NC,          NC,          NC,          'listening', NC,          NC],
  hangup:                    [NC,         NC,          'listening', 'listening', 'listening', 'listening', 'ending',    I],
  'set-media':               [NC,         NC,          NC,          NC,          NC,          NC,          'same',      NC],
  connected:                 [I,          I,           'same',      I,           I,           I,           I,           I],
  'connect-failed':          [I,          I,           'listening', I,           I,           I,           I,           I],
  'connect-failed (no proof)': [I,        I,           'listening', I,           I,           I,           I,           I],
  'proof-refused':           [I,          'same',      I,           I,           I,           I,           I,           I],
  'invite (new connection)': ['same',     'incoming',  'same',      'same',      'same',      'same',      'same',      'same'],
  'invite (unverified)':     ['same',     'same',      'same',      'same',      'same',      'same',      'same',      'same'],
  ringing:                   [I,          I,           I,           'same',      I,           I,           I,           I],
  'accept (peer)':           [I,          I,           I,           'in-call',   'in-call',   I,           I,           I],
  'accept (forged)':         [I,          I,           I,           'listening', 'listening', I,           I,           I],
  'reject (peer)':           [I,          I,           I,           'listening', 'listening', I,           I,           I],
  busy:                      [I,          I,           I,           'listening', 'listening', I,           I,           I],
  cancel:                    [I,          I,           I,           I,           I,           'listening', I,           I],
  'hangup (peer)':           [I,          I,           I,           'listening', 'listening', 'listening', 'ending',    I],
  'hangup (peer, failed on auth)': [I,    I,           I,           'listening', 'listening', 'listening', 'ending',    I],
  keepalive:                 [I,          I,           I,           I,           I,           I,           I,           I],
  'signal-closed':           [I,          I,           'listening', 'listening', 'listening', 'listening', 'ending',    I],
  'peer-media':              [I,          I,           I,           I,           I,           I,           'same',      I],
  'control-hangup':          [I,          I,           I,           I,           I,           I,           'ending',    I],
  'control-lost':            [I,          I,           I,           I,           I,           I,           'ending',    I],
  'component-exited':        [I,          I,           I,           I,           I,           I,           'ending',    I],
  'media-stopped':           [I,          I,           I,           I,           I,           I,           I,           'listening'],
  'signal-liveness':         [I,          I,           I,           I,           I,           I,           'same',      I],
  'control-liveness':        [I,          I,           I,           I,           I,           I,           'same',      I],
  'timer answer':            [I,          I,           'listening', 'listening', 'listening', 'listening', I,           I],
  'timer teardown':          [I,          I,           I,           I,           I,           I,           I,           'listening'],
}

const stateNames = Object.keys(states)
const cells = Object.entries(table).flatMap(([eventName, row]) => row.map((expected, column) => ({eventName, stateName: stateNames[column], expected})))

describe('call state machine: every state × every event', () => {
  it('covers every event and state', () => {
    expect(Object.keys(table).sort()).toEqual(Object.keys(events).sort())
    for (const row of Object.values(table)) expect(row).toHaveLength(stateNames.length)
  })

  it.each(cells)('$stateName + $eventName → $expected', ({eventName, stateName, expected}) => {
    const before = structuredClone(states[stateName])
    const step = reduceCall(before, events[eventName], 1000)
    expect(before).toEqual(states[stateName]) // never mutates its input
    if (expected === 'ignored') {
      expect(step.outcome).toBe('ignored')
      expect(step.state).toBe(before)
      expect(step.effects).toEqual([])
      expect(step.note).toBeTruthy()
    } else if (expected.startsWith('invalid:')) {
      expect(step.outcome).toBe('invalid')
      expect(step.state).toBe(before)
      expect(step.effects).toEqual([])
      expect(step.error?.code).toBe(expected.slice('invalid:'.length))
    } else {
      expect(step.outcome).toBe('ok')
      expect(step.state.kind).toBe(expected === 'same' ? before.kind : expected)
      expect(step.state !== before || step.effects.length > 0).toBe(true)
      // Whatever the reducer sends must be valid on the wire.
      for (const effect of step.effects) if (effect.type === 'send') expect(() => signalCodec.encode(effect.message)).not.toThrow()
    }
  })
})

describe('call state machine: how a failed set-up ends', () => {
  const endOf = (step: ReturnType<typeof reduceCall>) => step.effects.find((effect) => effect.type === 'emit' && (effect.event === 'call.ended' || effect.event === 'call.ending'))
  it('a callee that does not prove the key expected ends the call auth-failed, not unreachable', () => {
    const step = reduceCall(states['calling/connecting'], events['connect-failed (no proof)'], 1000)
    expect(endOf(step)).toMatchObject({body: {code: 'auth-failed', reason: expect.stringContaining('did not prove its identity key: the callee proved another key')}})
  })

  it('a control handshake that fails ends the call auth-failed on this side, and tells the peer so, which ends it auth-failed too', () => {
    const ours = reduceCall(states['in-call'], {type: 'component-exited', callId: CALL, component: 'control', reason: 'the two ends hold different keys', side: 'auth'}, 1000)
    const told = ours.effects.find((effect) => effect.type === 'send')
    expect(told).toMatchObject({message: {type: 'hangup', failed: true, code: 'auth-failed'}})
    expect(endOf(ours)).toMatchObject({body: {code: 'auth-failed'}})
    const theirs = reduceCall(states['in-call'], events['hangup (peer, failed on auth)'], 1000)
    expect(endOf(theirs)).toMatchObject({body: {code: 'auth-failed'}})
    expect(endOf(reduceCall(states['in-call'], signal({type: 'hangup', callId: CALL, reason: 'video failed', failed: true}), 1000))).toMatchObject({body: {code: 'peer-failed'}})
  })

  it('a caller\'s refusal of our proof is logged as AUTH_FAILED and its connection closed', () => {
    const step = reduceCall(states.listening, events['proof-refused'], 1000)
    expect(step.effects).toEqual([
      {type: 'log', level: 'warn', message: 'a caller refused this side\'s identity proof: AUTH_FAILED: not the callee expected'},
      {type: 'close', conn: CONN, reason: 'proof refused'},
    ])
  })
})
