import {answerProblem} from '../protocol/call/formats.js'
import type {SignalMessage, SignalOf} from '../protocol/call/signalling.js'
import type {InviteFields} from '../protocol/call/transcript.js'
import {deriveCallSecret} from '../security/key-share.js'
import {messageHash, setupHash} from '../security/setup-hash.js'
import {acceptProblem, type IdentityVerdict} from './call-identity.js'
import {close, endSetup, ignored, invalid, ok, refuse, send} from './steps.js'
import type {ActiveCall, CallEvent, CallState, EndCode, OutgoingCall, Step} from './types.js'

type Calling = Extract<CallState, {kind: 'calling'}>
type Incoming = Extract<CallState, {kind: 'incoming'}>
type Invite = Extract<SignalMessage, {type: 'invite'}>

const bothOn = () => ({audio: true, video: true})

/**
 * Start ringing for an invite: from listening, or as a caller that lost a glare tie. Only an invite the driver found
 * signed by the key it names, that key being the one pinned for the caller (`identity`), rings; any other is refused
 * before anything starts, and the caller is told why.
 */
export function takeInvite(state: Extract<CallState, {kind: 'listening' | 'calling'}>, conn: string, invite: Invite, identity: IdentityVerdict | undefined, now: number, glare: boolean): Step {
  const {config} = state
  if (invite.to !== config.user) {
    return ok(state, [send(conn, {type: 'reject', callId: invite.callId, code: 'wrong-user', reason: `this is ${config.user}, not ${invite.to}`}), close(conn, 'wrong user')])
  }

  if (!identity?.ok) {
    const {code, reason} = identity ?? {code: 'auth-failed' as const, reason: 'the invite was not checked'}
    const errorCode = code === 'identity-changed' ? 'IDENTITY_CHANGED' : 'AUTH_FAILED'
    return ok(state, [
      send(conn, {type: 'reject', callId: invite.callId, code, reason: reason.slice(0, 200)}),
      close(conn, code),
      {type: 'log', level: 'warn', message: `refused a call from ${invite.from}: ${errorCode}: ${reason}`},
      {type: 'emit', event: 'call.refused', callId: invite.callId, body: {peer: invite.from, reason, code: errorCode}},
    ])
  }

  const call = {callId: invite.callId, peer: invite.from, conn, peerHost: invite.address, offer: invite.media, keyShare: invite.keyShare, identityKey: invite.identityKey, channel: identity.channel, inviteHash: messageHash(invite), glare, since: now}
  return ok({kind: 'incoming', config, lastEnd: state.lastEnd, call}, [
    send(conn, {type: 'ringing', callId: invite.callId}),
    {type: 'start-timer', timer: 'answer', callId: invite.callId, ms: config.answerTimeoutMs},
    {type: 'emit', event: 'call.incoming', callId: invite.callId, body: {peer: invite.from, address: invite.address, media: invite.media, glare}},
  ])
}

/**
 * Glare: we are calling `peer` and `peer`'s invite for us arrives. Both sides apply the same rule, so exactly one
 * call survives: the one whose caller's name sorts first (then the smaller call id, should names ever tie).
 */
export function glareWinner(ours: {caller: string; callId: string}, theirs: {caller: string; callId: string}): 'ours' | 'theirs' {
  if (ours.caller !== theirs.caller) return ours.caller < theirs.caller ? 'ours' : 'theirs'
  return ours.callId < theirs.callId ? 'ours' : 'theirs'
}

/** The caller's invite: what it sends, and half of what its set-up hash covers. */
function inviteOf({config, call}: Calling): Invite {
  const {channel: _channel, ...fields} = sentInvite(call, config.user)
  return {type: 'invite', ...fields, signature: call.signature ?? ''}
}

export function callingStep(state: Calling, event: CallEvent, now: number): Step {
  const {call} = state
  const mine = (conn: string) => conn === call.conn
  switch (event.type) {
    case 'connected': {
      if (!mine(event.conn) || call.phase !== 'connecting') return ignored(state, 'connected for another connection')
      const inviting: Calling = {...state, call: {...call, phase: 'inviting', channel: event.channel, signature: event.signature}}
      return ok(inviting, [send(call.conn, inviteOf(inviting))])
    }

    case 'connect-failed':
      if (!mine(event.conn) || call.phase !== 'connecting') return ignored(state, 'connect-failed for another connection')
      if (event.auth) return endSetup(state, 'auth-failed', `${call.peer} at ${call.host}:${call.port} did not prove its identity key: ${event.reason}`, now, [])
      return endSetup(state, 'unreachable', `cannot connect to ${call.peer} at ${call.host}:${call.port}: ${event.reason}`, now, [])
    case 'signal':
      if (!mine(event.conn)) {
        if (event.message.type !== 'invite') return ignored(state, `${event.message.type} on another connection`)
        const {from, to} = event.message
        return from === call.peer && to === state.config.user ? glare(state, event.conn, event.message, event.identity, now) : refuse(state, event.conn, event.message)
      }

      if (call.phase === 'connecting') return ignored(state, `${event.message.type} before connecting`)
      return callerSignal(state, event.message, now)
    case 'signal-closed':
      if (!mine(event.conn)) return ignored(state, 'another connection closed')
      return endSetup(state, 'peer-gone', `${call.peer} closed the connection: ${event.reason}`, now, [])
    case 'hangup':
      return endSetup(state, 'cancelled', event.reason ?? 'cancelled', now, cancel(state, event.reason ?? 'cancelled'))
    case 'timer':
      if (event.timer !== 'answer' || event.callId !== call.callId) return ignored(state, 'stale timer')
      return endSetup(state, 'timeout', `${call.peer} did not answer within ${state.config.answerTimeoutMs} ms`, now, cancel(state, 'timeout'))
    case 'shutdown':
      return endSetup(state, 'shutdown', event.reason ?? 'shutting down', now, [...cancel(state, 'shutdown'), {type: 'set-presence', status: 'offline'}], 'idle')
    case 'dial':
      return invalid(state, 'BAD_USAGE', `already calling ${call.peer}`)
    case 'accept':
    case 'reject':
      return invalid(state, 'NO_CALL', 'no incoming call to answer')
    case 'set-media':
      return invalid(state, 'NO_CALL', `the call to ${call.peer} is not connected yet`)
    default:
      return ignored(state, `${event.type} while calling`)
  }
}

function cancel(state: Calling, reason: string) {
  return state.call.phase === 'connecting' ? [] : [send(state.call.conn, {type: 'cancel', callId: state.call.callId, reason})]
}

function glare(state: Calling, conn: string, invite: Invite, identity: IdentityVerdict | undefined, now: number): Step {
  // An invite that does not prove its sender is no glare: refused, and our own call goes on.
  if (!identity?.ok) return takeInvite(state, conn, invite, identity, now, true)
  const winner = glareWinner({caller: state.config.user, callId: state.call.callId}, {caller: invite.from, callId: invite.callId})
  if (winner === 'ours') {
    return ok(state, [
      send(conn, {type: 'reject', callId: invite.callId, code: 'glare', reason: `${state.config.user} is calling you`}),
      close(conn, 'glare'),
      {type: 'log', level: 'info', message: `glare with ${invite.from}: our call ${state.call.callId} wins`},
    ])
  }

  // We yield: our outgoing call is withdrawn without a `call.ended` (the user's call to this peer goes on, as theirs),
  // and the incoming one is marked so the driver accepts it without asking.
  const withdrawn = [...cancel(state, 'glare'), close(state.call.conn, 'glare'), {type: 'cancel-timer', timer: 'answer', callId: state.call.callId} as const]
  const ringing = takeInvite({kind: 'listening', config: state.config, lastEnd: state.lastEnd}, conn, invite, identity, now, true)
  return ok(ringing.state, [
    ...withdrawn,
    {type: 'log', level: 'info', message: `glare with ${invite.from}: their call ${invite.callId} wins`},
    {type: 'emit', event: 'call.replaced', callId: state.call.callId, body: {peer: invite.from, replacedBy: invite.callId}},
    ...ringing.effects,
  ])
}

function callerSignal(state: Calling, message: SignalMessage, now: number): Step {
  const {call} = state
  if (!('callId' in message) || message.callId !== call.callId) return ignored(state, `${message.type} for another call`)
  switch (message.type) {
    case 'ringing':
      if (call.phase !== 'inviting') return ignored(state, 'ringing twice')
      return ok({...state, call: {...call, phase: 'ringing'}}, [{type: 'emit', event: 'call.ringing', callId: call.callId, body: {peer: call.peer}}])
    case 'accept': {
      const problem = acceptProblem(call.peerKey, sentInvite(call, state.config.user), message)
      if (problem) {
        return endSetup(state, 'auth-failed', `${call.peer}'s accept did not prove its identity key: ${problem}`, now, [send(call.conn, {type: 'hangup', callId: call.callId, reason: 'authentication failed: your accept\'s signature did not verify', failed: true, code: 'auth-failed'})])
      }

      // The formats it chose must be ones both sides offered (formats.ts): anything else is a broken or hostile peer.
      const formats = answerProblem(call.media, message.media)
      if (formats) return endSetup(state, 'peer-gone', `protocol error in ${call.peer}'s accept: ${formats}`, now, [send(call.conn, {type: 'hangup', callId: call.callId, reason: 'protocol error: the accept chose a format this side did not offer'})])

      let secret: string
      try {
        const transcript = {callId: call.callId, caller: state.config.user, callee: call.peer, callerShare: call.keyShare.publicKey, calleeShare: message.keyShare}
        secret = deriveCallSecret(call.keyShare, transcript, 'caller')
      } catch (error) {
        const reason = `${call.peer} answered with ${(error as Error).message}`
        return endSetup(state, 'peer-gone', reason, now, [send(call.conn, {type: 'hangup', callId: call.callId, reason: 'unusable key share'})])
      }

      const active: ActiveCall = {
        callId: call.callId,
        peer: call.peer,
        role: 'caller',
        conn: call.conn,
        peerHost: call.host,
        secret,
        setupHash: setupHash(messageHash(inviteOf(state)), messageHash(message)),
        peerKey: call.peerKey,
        controlPort: message.controlPort,
        local: call.media,
        remote: message.media,
        startedAt: now,
        sending: {local: bothOn(), peer: bothOn()},
      }
      return ok({kind: 'in-call', config: state.config, lastEnd: state.lastEnd, call: active}, [
        {type: 'cancel-timer', timer: 'answer', callId: call.callId},
        {type: 'set-presence', status: 'in-call'},
        {type: 'start-media', call: active},
        {type: 'pin', peer: call.peer, publicKey: call.peerKey},
        {type: 'emit', event: 'call.started', callId: call.callId, body: {peer: call.peer, role: 'caller'}},
      ])
    }

    case 'reject': {
      const code: EndCode = message.code === 'timeout' || message.code === 'glare' || message.code === 'auth-failed' || message.code === 'identity-changed' ? message.code : 'rejected'
      return endSetup(state, code, `${call.peer} rejected the call (${message.code}${message.reason ? `: ${message.reason}` : ''})`, now, [])
    }

    case 'busy':
      return endSetup(state, 'busy', `${call.peer} is busy`, now, [])
    case 'hangup':
      return endSetup(state, 'rejected', `${call.peer} hung up before answering${message.reason ? `: ${message.reason}` : ''}`, now, [])
    default:
      return ignored(state, `${message.type} is not for a caller`)
  }
}

export function incomingStep(state: Incoming, event: CallEvent, now: number): Step {
  const {call} = state
  const mine = (conn: string) => conn === call.conn
  const reject = (code: 'declined' | 'timeout' | 'unavailable', reason: string) => [send(call.conn, {type: 'reject', callId: call.callId, code, reason})]
  switch (event.type) {
    case 'accept': {
      const accept: SignalOf<'accept'> = {type: 'accept', callId: call.callId, keyShare: event.keyShare, identityKey: event.identityKey, controlPort: event.controlPort, media: event.media, signature: event.signature}
      const active: ActiveCall = {
        callId: call.callId,
        peer: call.peer,
        role: 'callee',
        conn: call.conn,
        peerHost: call.peerHost,
        secret: event.secret,
        setupHash: setupHash(call.inviteHash, messageHash(accept)),
        peerKey: call.identityKey,
        controlPort: event.controlPort,
        local: event.media,
        remote: call.offer,
        startedAt: now,
        sending: {local: bothOn(), peer: bothOn()},
      }
      return ok({kind: 'in-call', config: state.config, lastEnd: state.lastEnd, call: active}, [
        send(call.conn, accept),
        {type: 'cancel-timer', timer: 'answer', callId: call.callId},
        {type: 'set-presence', status: 'in-call'},
        {type: 'start-media', call: active},
        {type: 'pin', peer: call.peer, publicKey: call.identityKey},
        {type: 'emit', event: 'call.started', callId: call.callId, body: {peer: call.peer, role: 'callee'}},
      ])
    }

    case 'reject':
    case 'hangup':
      return endSetup(state, 'declined', event.reason ?? 'declined', now, reject('declined', event.reason ?? ''))
    case 'timer':
      if (event.timer !== 'answer' || event.callId !== call.callId) return ignored(state, 'stale timer')
      return endSetup(state, 'timeout', `not answered within ${state.config.answerTimeoutMs} ms`, now, reject('timeout', 'no answer'))
    case 'signal':
      if (!mine(event.conn)) return event.message.type === 'invite' ? refuse(state, event.conn, event.message) : ignored(state, `${event.message.type} on another connection`)
      if (!('callId' in event.message) || event.message.callId !== call.callId) return ignored(state, `${event.message.type} for another call`)
      if (event.message.type === 'cancel' || event.message.type === 'hangup') {
        const code = event.message.type === 'cancel' && event.message.reason === 'timeout' ? 'timeout' : 'remote-cancelled'
        return endSetup(state, code, `${call.peer} cancelled${event.message.reason ? `: ${event.message.reason}` : ''}`, now, [])
      }

      return ignored(state, `${event.message.type} is not for a callee`)
    case 'signal-closed':
      if (!mine(event.conn)) return ignored(state, 'another connection closed')
      return endSetup(state, 'peer-gone', `${call.peer} went away while ringing: ${event.reason}`, now, [])
    case 'shutdown':
      return endSetup(state, 'shutdown', event.reason ?? 'shutting down', now, [...reject('unavailable', 'shutting down'), {type: 'set-presence', status: 'offline'}], 'idle')
    case 'dial':
      return invalid(state, 'BAD_USAGE', `a call from ${call.peer} is ringing: accept or reject it first`)
    case 'set-media':
      return invalid(state, 'NO_CALL', `the call from ${call.peer} is not accepted yet`)
    default:
      return ignored(state, `${event.type} while ringing`)
  }
}

/** The invite a caller sends (and signed), as its transcript's fields. */
export function sentInvite(call: OutgoingCall, user: string): InviteFields {
  return {channel: call.channel ?? '', callId: call.callId, from: user, to: call.peer, address: call.address, keyShare: call.keyShare.publicKey, identityKey: call.identityKey, media: call.media}
}

/** The invite a callee received, as its transcript's fields (what its accept signs over). */
export function receivedInvite(call: {channel: string; callId: string; peer: string; peerHost: string; keyShare: string; identityKey: string; offer: InviteFields['media']}, user: string): InviteFields {
  return {channel: call.channel, callId: call.callId, from: call.peer, to: user, address: call.peerHost, keyShare: call.keyShare, identityKey: call.identityKey, media: call.offer}
}
