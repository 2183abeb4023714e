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

/** The ErrorCode an `ivc call` should exit with for an ending, or undefined when the call ended normally. */
export function endErrorCode(code: EndCode): ErrorCode | undefined {
  const codes: Partial<Record<EndCode, ErrorCode>> = {
    rejected: 'CALL_REJECTED',
    busy: 'CALL_BUSY',
    timeout: 'CALL_TIMEOUT',
    unreachable: 'PEER_UNREACHABLE',
    'peer-gone': 'PEER_GONE',
    'control-lost': 'PEER_GONE',
  }
  return codes[code]
}
