import {activeStep, endingStep} from './active-states.js'
import {callingStep, incomingStep, takeInvite} from './setup-states.js'
import {close, ignored, invalid, ok, send} from './steps.js'
import {type CallConfig, type CallEvent, type CallState, DEFAULT_CALL_CONFIG, type Step} from './types.js'

/**
 * The call manager as a pure reducer: `(state, event, now) → {state, effects, outcome}`.
 *
 *   idle ─go-online→ listening ─dial→ calling ─accept received→ in-call ─hangup / fault→ ending ─media stopped→ listening
 *                              └invite→ incoming ─local accept→ in-call
 *   calling / incoming ─reject, busy, cancel, timeout, peer gone→ listening      any ─shutdown→ idle
 *
 * The driver runs the effects in order, turns sockets, processes, timers and user commands into events, and
 * passes the wall-clock `now` only for the records it keeps (call start, duration). docs/protocol.md has the
 * whole table.
 */
export function initialCallState(config: Partial<CallConfig> & {user: string}): CallState {
  return {kind: 'idle', config: {...DEFAULT_CALL_CONFIG, ...config}}
}

export function reduceCall(state: CallState, event: CallEvent, now: number): Step {
  switch (state.kind) {
    case 'idle':
      return idleStep(state, event)
    case 'listening':
      return listeningStep(state, event, now)
    case 'calling':
      return callingStep(state, event, now)
    case 'incoming':
      return incomingStep(state, event, now)
    case 'in-call':
      return activeStep(state, event, now)
    case 'ending':
      return endingStep(state, event, now)
  }
}

/**
 * Glare where the winner's reject overtook its invite (they travel on different connections): our call ended as
 * `glare` a moment ago, so this invite from the same peer is the call we yielded to, answered like any glare call.
 */
const GLARE_WINDOW_MS = 10_000
function yieldedTo(state: CallState, peer: string, now: number): boolean {
  const end = state.lastEnd
  return end !== undefined && end.code === 'glare' && end.peer === peer && now - end.endedAt < GLARE_WINDOW_MS
}

function idleStep(state: Extract<CallState, {kind: 'idle'}>, event: CallEvent): Step {
  switch (event.type) {
    case 'go-online':
      return ok({kind: 'listening', config: state.config, lastEnd: state.lastEnd}, [{type: 'set-presence', status: 'online'}])
    case 'dial':
      return invalid(state, 'BAD_USAGE', 'not online: cannot place a call before listening')
    case 'accept':
    case 'reject':
    case 'hangup':
    case 'set-media':
      return invalid(state, 'NO_CALL', 'not online, so there is no call')
    case 'signal':
      if (event.message.type === 'invite') {
        // A connection that reached us while offline (the driver closes its listener first, so this is a race).
        return ok(state, [send(event.conn, {type: 'reject', callId: event.message.callId, code: 'unavailable', reason: 'offline'}), close(event.conn, 'offline')])
      }

      return ignored(state, `${event.message.type} while offline`)
    default:
      return ignored(state, `${event.type} while offline`)
  }
}

function listeningStep(state: Extract<CallState, {kind: 'listening'}>, event: CallEvent, now: number): Step {
  const {config} = state
  switch (event.type) {
    case 'shutdown':
      return ok({kind: 'idle', config, lastEnd: state.lastEnd}, [{type: 'set-presence', status: 'offline'}])
    case 'dial': {
      if (event.peer === config.user) return invalid(state, 'BAD_USAGE', 'cannot call yourself')
      const call = {callId: event.callId, peer: event.peer, conn: event.conn, host: event.host, port: event.port, address: event.address, media: event.media, keyShare: event.keyShare, identityKey: event.identityKey, peerKey: event.peerKey, phase: 'connecting' as const, since: now}
      return ok({kind: 'calling', config, lastEnd: state.lastEnd, call}, [
        {type: 'connect', conn: event.conn, host: event.host, port: event.port, peerKey: event.peerKey},
        {type: 'start-timer', timer: 'answer', callId: event.callId, ms: config.answerTimeoutMs},
        {type: 'emit', event: 'call.outgoing', callId: event.callId, body: {peer: event.peer}},
      ])
    }

    case 'accept':
    case 'reject':
      return invalid(state, 'NO_CALL', 'no incoming call to answer')
    case 'hangup':
    case 'set-media':
      return invalid(state, 'NO_CALL', 'no call in progress')
    case 'signal': {
      const {message, conn} = event
      if (message.type === 'proof-refused') {
        // A caller (or a relay passing it on) refused our proof: nothing had started; the person should know.
        return ok(state, [{type: 'log', level: 'warn', message: `a caller refused this side's identity proof: AUTH_FAILED: ${message.reason}`}, close(conn, 'proof refused')])
      }

      if (message.type !== 'invite') return ignored(state, `${message.type} on a connection with no call`)
      return takeInvite(state, conn, message, event.identity, now, yieldedTo(state, message.from, now))
    }

    default:
      return ignored(state, `${event.type} with no call`)
  }
}
