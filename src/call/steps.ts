import type {ErrorCode} from '../foundation/errors.js'
import type {SignalMessage} from '../protocol/call/signalling.js'
import type {ActiveCall, CallEffect, CallEnd, CallState, ConnId, EndCode, IncomingCall, OutgoingCall, Step} from './types.js'

/** Small builders the reducer's transitions share. */
export const ok = (state: CallState, effects: CallEffect[] = []): Step => ({state, effects, outcome: 'ok'})
export const ignored = (state: CallState, note: string): Step => ({state, effects: [], outcome: 'ignored', note})
export const invalid = (state: CallState, code: ErrorCode, message: string): Step => ({state, effects: [], outcome: 'invalid', note: message, error: {code, message}})

export const send = (conn: ConnId, message: SignalMessage): CallEffect => ({type: 'send', conn, message})
export const close = (conn: ConnId, reason: string): CallEffect => ({type: 'close', conn, reason})

/** A second caller while we are busy: tell them and hang up on them. */
export function refuse(state: CallState, conn: ConnId, invite: Extract<SignalMessage, {type: 'invite'}>): Step {
  return ok(state, [
    send(conn, {type: 'busy', callId: invite.callId}),
    close(conn, 'busy'),
    {type: 'emit', event: 'call.refused', callId: invite.callId, body: {peer: invite.from, reason: 'busy'}},
  ])
}

export function endRecord(call: OutgoingCall | IncomingCall | ActiveCall, code: EndCode, reason: string, now: number): CallEnd {
  const role = 'role' in call ? call.role : 'host' in call ? 'caller' : 'callee'
  const startedAt = 'startedAt' in call ? call.startedAt : undefined
  return {callId: call.callId, peer: call.peer, role, code, reason, ...(startedAt === undefined ? {} : {startedAt}), endedAt: now, durationMs: startedAt === undefined ? 0 : now - startedAt}
}

/** A call that never got media ends straight back in listening (or idle on shutdown). */
export function endSetup(state: Extract<CallState, {kind: 'calling' | 'incoming'}>, code: EndCode, reason: string, now: number, effects: CallEffect[], to: 'listening' | 'idle' = 'listening'): Step {
  const end = endRecord(state.call, code, reason, now)
  return ok({kind: to, config: state.config, lastEnd: end}, [
    ...effects,
    close(state.call.conn, reason),
    {type: 'cancel-timer', timer: 'answer', callId: state.call.callId},
    {type: 'emit', event: 'call.ended', callId: end.callId, body: {...end}},
  ])
}

/** A call with media goes to `ending` until its components have stopped. */
export function endActive(state: Extract<CallState, {kind: 'in-call'}>, code: EndCode, reason: string, now: number, effects: CallEffect[]): Step {
  const {call, config} = state
  const end = endRecord(call, code, reason, now)
  return ok({kind: 'ending', config, lastEnd: state.lastEnd, call, end}, [
    ...effects,
    close(call.conn, reason),
    {type: 'stop-media', callId: call.callId, reason},
    {type: 'start-timer', timer: 'teardown', callId: call.callId, ms: config.teardownTimeoutMs},
    {type: 'emit', event: 'call.ending', callId: call.callId, body: {...end}},
  ])
}

/** Media is down (or gave up waiting for it): listen again. */
export function finishEnding(state: Extract<CallState, {kind: 'ending'}>, effects: CallEffect[]): Step {
  return ok({kind: 'listening', config: state.config, lastEnd: state.end}, [
    ...effects,
    {type: 'set-presence', status: 'online'},
    {type: 'emit', event: 'call.ended', callId: state.end.callId, body: {...state.end}},
  ])
}

/**
 * Every way a call ends, what it means, and the status `ivc call` exits with for it: 'ok' (0) for the endings a
 * person chose, the ErrorCode of the failure otherwise. docs/errors.md ("End reasons") mirrors this table, and a test
 * keeps the two in step.
 */
export const END_CODES = {
  hangup: {exit: 'ok', meaning: 'you hung up (`ivc control hangup`, Ctrl-C, `--duration`)'},
  'remote-hangup': {exit: 'ok', meaning: 'the peer hung up'},
  cancelled: {exit: 'ok', meaning: 'you gave up before the peer answered (Ctrl-C while it rang)'},
  'remote-cancelled': {exit: 'ok', meaning: 'the caller gave up before you answered'},
  declined: {exit: 'ok', meaning: 'you declined the incoming call'},
  glare: {exit: 'ok', meaning: 'you both called at once; the call goes on as the peer\'s'},
  shutdown: {exit: 'ok', meaning: 'this side stopped (SIGTERM, or a second Ctrl-C in `ivc listen`); the peer hears a hang-up'},
  rejected: {exit: 'CALL_REJECTED', meaning: 'the peer declined'},
  busy: {exit: 'CALL_BUSY', meaning: 'the peer was in another call'},
  timeout: {exit: 'CALL_TIMEOUT', meaning: 'nobody answered in time'},
  unreachable: {exit: 'PEER_UNREACHABLE', meaning: 'the peer\'s call port could not be reached'},
  'peer-gone': {exit: 'PEER_GONE', meaning: 'the peer went away: its signalling connection closed, or its end of a stream did'},
  'control-lost': {exit: 'PEER_GONE', meaning: 'the control connection to the peer was lost'},
  'peer-failed': {exit: 'PEER_GONE', meaning: 'the peer\'s side of the call failed (one of its components crashed) and ended the call'},
  'component-crashed': {exit: 'COMPONENT_FAILED', meaning: 'one of this side\'s components crashed or failed; the peer is told'},
  'auth-failed': {exit: 'AUTH_FAILED', meaning: 'the set-up did not prove itself: the callee did not prove the key expected on the signalling connection (someone else answered, or a relay ran the hello; nothing was sent), a signature on the invite or the accept did not verify (changed on the way, or not by the key expected; no media was started), or the control connection\'s handshake failed (the two sides did not see the same invite and accept); the peer is told'},
  'identity-changed': {exit: 'IDENTITY_CHANGED', meaning: 'the callee has another identity key pinned for you, or none and does not trust on first use'},
} as const satisfies Record<EndCode, {exit: ErrorCode | 'ok'; meaning: string}>

/** The ErrorCode an `ivc call` should exit with for an ending, or undefined when the call ended normally. */
export function endErrorCode(code: EndCode): ErrorCode | undefined {
  const {exit} = END_CODES[code]
  return exit === 'ok' ? undefined : exit
}
