import {close, endActive, endRecord, finishEnding, ignored, invalid, ok, refuse, send} from './steps.js'
import type {CallEvent, CallState, StalledPath, Step} from './types.js'

type Active = Extract<CallState, {kind: 'in-call'}>
type Ending = Extract<CallState, {kind: 'ending'}>

/** In a call: media runs; any hang-up or fault ends it through `ending`. */
export function activeStep(state: Active, event: CallEvent, now: number): Step {
  const {call} = state
  const hangup = (reason: string) => [send(call.conn, {type: 'hangup', callId: call.callId, reason})]
  // Our side of the call broke: the peer hears a hang-up marked failed, and ends as `peer-failed`.
  const failed = (reason: string, code?: 'auth-failed') => [send(call.conn, {type: 'hangup', callId: call.callId, reason, failed: true, ...(code ? {code} : {})})]
  const stale = 'callId' in event && event.callId !== call.callId
  switch (event.type) {
    case 'hangup':
      return endActive(state, 'hangup', event.reason ?? 'hung up', now, hangup(event.reason ?? 'hung up'))
    case 'signal':
      if (event.conn !== call.conn) return event.message.type === 'invite' ? refuse(state, event.conn, event.message) : ignored(state, `${event.message.type} on another connection`)
      if (event.message.type !== 'hangup' || event.message.callId !== call.callId) return ignored(state, `${event.message.type} during a call`)
      // The peer could not confirm the set-up (its control handshake failed): the same verdict here, not a crash of theirs.
      if (event.message.failed && event.message.code === 'auth-failed') {
        return endActive(state, 'auth-failed', `${call.peer} could not authenticate the set-up${event.message.reason ? `: ${event.message.reason}` : ''}`, now, [])
      }

      if (event.message.failed) return endActive(state, 'peer-failed', `${call.peer}'s side of the call failed${event.message.reason ? `: ${event.message.reason}` : ''}`, now, [])
      return endActive(state, 'remote-hangup', `${call.peer} hung up${event.message.reason ? `: ${event.message.reason}` : ''}`, now, [])
    case 'signal-closed':
      if (event.conn !== call.conn) return ignored(state, 'another connection closed')
      return endActive(state, 'peer-gone', `lost the signalling connection to ${call.peer}: ${event.reason}`, now, [])
    case 'control-hangup':
      if (stale) return ignored(state, 'control event of another call')
      return endActive(state, 'remote-hangup', `${call.peer} hung up${event.reason ? `: ${event.reason}` : ''}`, now, [])
    case 'control-lost':
      if (stale) return ignored(state, 'control event of another call')
      return endActive(state, 'control-lost', `control connection lost: ${event.reason}`, now, failed('control connection lost'))
    case 'component-exited':
      if (stale) return ignored(state, 'component of another call')
      if (event.side === 'auth') return endActive(state, 'auth-failed', `the ${event.component} handshake with ${call.peer} failed: ${event.reason}`, now, failed('the set-up could not be confirmed', 'auth-failed'))
      if (event.side === 'peer') return endActive(state, 'peer-gone', `${call.peer}'s end of the ${event.component} stream went away: ${event.reason}`, now, failed(`${event.component} lost its peer`))
      return endActive(state, 'component-crashed', `${event.component} component exited: ${event.reason}`, now, failed(`${event.component} failed`))
    case 'set-media': {
      const sending = {...call.sending, local: {...call.sending.local, [event.kind]: event.on}}
      return ok({...state, call: {...call, sending}}, [
        {type: 'set-local-media', callId: call.callId, kind: event.kind, on: event.on},
        {type: 'emit', event: 'call.media', callId: call.callId, body: {side: 'local', kind: event.kind, on: event.on}},
      ])
    }

    case 'signal-liveness':
      if (event.conn !== call.conn) return ignored(state, 'liveness of another connection')
      return liveness(state, 'signalling', event.stalled, event.silentMs)
    case 'control-liveness':
      if (stale) return ignored(state, 'control event of another call')
      return liveness(state, 'control', event.stalled, event.silentMs)
    case 'peer-media': {
      if (stale) return ignored(state, 'control event of another call')
      const sending = {...call.sending, peer: {...call.sending.peer, [event.kind]: event.on}}
      return ok({...state, call: {...call, sending}}, [{type: 'emit', event: 'call.media', callId: call.callId, body: {side: 'peer', kind: event.kind, on: event.on}}])
    }

    case 'shutdown': {
      // Shutdown does not wait for the components: the process is exiting and its lifecycle stops them.
      const reason = event.reason ?? 'shutting down'
      const end = endRecord(call, 'shutdown', reason, now)
      return ok({kind: 'idle', config: state.config, lastEnd: end}, [
        ...hangup(reason),
        close(call.conn, reason),
        {type: 'stop-media', callId: call.callId, reason},
        {type: 'set-presence', status: 'offline'},
        {type: 'emit', event: 'call.ended', callId: call.callId, body: {...end}},
      ])
    }

    case 'dial':
      return invalid(state, 'BAD_USAGE', `already in a call with ${call.peer}`)
    case 'accept':
    case 'reject':
      return invalid(state, 'NO_CALL', 'no incoming call to answer')
    default:
      return ignored(state, `${event.type} during a call`)
  }
}

/**
 * The peer fell silent on one of its connections, or was heard again. The call goes on either way (a connection
 * silent for the whole stall timeout closes, and that ends it): the first stalled connection shows the call as
 * stalled ("reconnecting…"), the last one heard again as resumed.
 */
function liveness(state: Active, path: StalledPath, stalled: boolean, silentMs: number): Step {
  const {call} = state
  const before = call.stalled ?? []
  const after = stalled ? [...before.filter((each) => each !== path), path] : before.filter((each) => each !== path)
  const next: Active = {...state, call: {...call, stalled: after}}
  if (before.length === 0 && after.length > 0) {
    return ok(next, [{type: 'emit', event: 'call.stalled', callId: call.callId, body: {peer: call.peer, silentMs, timeoutMs: state.config.stallTimeoutMs}}])
  }

  if (before.length > 0 && after.length === 0) return ok(next, [{type: 'emit', event: 'call.resumed', callId: call.callId, body: {peer: call.peer, silentMs}}])
  return ok(next)
}

/** The call is over; wait (bounded) for its components to stop, refusing new callers meanwhile. */
export function endingStep(state: Ending, event: CallEvent, _now: number): Step {
  const {call} = state
  const cancelTeardown = {type: 'cancel-timer', timer: 'teardown', callId: call.callId} as const
  switch (event.type) {
    case 'media-stopped':
      if (event.callId !== call.callId) return ignored(state, 'media of another call')
      return finishEnding(state, [cancelTeardown])
    case 'timer':
      if (event.timer !== 'teardown' || event.callId !== call.callId) return ignored(state, 'stale timer')
      return finishEnding(state, [{type: 'log', level: 'warn', message: `components of call ${call.callId} did not stop within ${state.config.teardownTimeoutMs} ms; listening again anyway`}])
    case 'signal':
      return event.message.type === 'invite' && event.conn !== call.conn ? refuse(state, event.conn, event.message) : ignored(state, `${event.message.type} while ending`)
    case 'shutdown':
      return ok({kind: 'idle', config: state.config, lastEnd: state.end}, [
        cancelTeardown,
        {type: 'set-presence', status: 'offline'},
        {type: 'emit', event: 'call.ended', callId: call.callId, body: {...state.end}},
      ])
    case 'hangup':
      return ignored(state, 'the call is already ending')
    case 'dial':
      return invalid(state, 'BAD_USAGE', 'the last call is still ending; try again in a moment')
    case 'accept':
    case 'reject':
      return invalid(state, 'NO_CALL', 'no incoming call to answer')
    case 'set-media':
      return invalid(state, 'NO_CALL', 'the call is ending')
    default:
      return ignored(state, `${event.type} while ending`)
  }
}
