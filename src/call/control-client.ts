import type {Bus} from '../bus/bus.js'
import type {CallStateReply} from '../bus/messages.js'
import {IvcError} from '../foundation/errors.js'

/** The `ivc control ACTION` verbs that are one request to the user's running call component. */
export const CONTROL_REQUESTS = {
  status: {type: 'call.status', body: {}},
  accept: {type: 'call.accept', body: {}},
  reject: {type: 'call.reject', body: {reason: 'declined'}},
  hangup: {type: 'call.hangup', body: {reason: 'hung up'}},
  mute: {type: 'call.set-media', body: {kind: 'audio', on: false}},
  unmute: {type: 'call.set-media', body: {kind: 'audio', on: true}},
  'video-off': {type: 'call.set-media', body: {kind: 'video', on: false}},
  'video-on': {type: 'call.set-media', body: {kind: 'video', on: true}},
  stats: {type: 'call.stats', body: {}},
  chat: {type: 'call.chat', body: {}},
} as const

export type ControlRequest = keyof typeof CONTROL_REQUESTS

/** `extra`: what the verb takes from the command line (chat: its text). */
export function requestCall(bus: Bus, action: ControlRequest, extra: {text?: string} = {}, timeoutMs = 8000): Promise<CallStateReply> {
  const {type, body} = CONTROL_REQUESTS[action]
  return bus.request('call', type, {...body, ...extra}, {timeoutMs})
}

/** NO_CALL when no call component (`ivc listen` or `ivc call`) of the bus's user is alive: no one would answer. */
export async function requireCallComponent(bus: Bus): Promise<void> {
  if ((await bus.alive('call')).length > 0) return
  throw new IvcError('NO_CALL', `${bus.user} has no call: neither \`ivc listen\` nor \`ivc call\` runs for ${bus.user} on this bus`, {
    suggestion: `Start one (\`ivc listen --user ${bus.user}\`), or check --user and --redis.`,
  })
}

export function describeStatus(status: CallStateReply): string {
  const parts = [`state: ${String(status.state)}`]
  if (status.peer) parts.push(`peer: ${String(status.peer)}`)
  if (status.callId) parts.push(`call: ${String(status.callId)}`)
  const {sending} = status
  if (sending?.local) parts.push(`you send: audio ${sending.local.audio ? 'on' : 'OFF'}, video ${sending.local.video ? 'on' : 'OFF'}`)
  if (sending?.peer) parts.push(`peer sends: audio ${sending.peer.audio ? 'on' : 'OFF'}, video ${sending.peer.video ? 'on' : 'OFF'}`)
  if (status.peerFingerprint) parts.push(`peer's key: ${status.peerFingerprint}`)
  if (status.safetyNumber) {
    const check = status.verified ? 'verified' : `not verified: read it to ${String(status.peer)}, then \`ivc trust ${String(status.peer)} --verified\``
    parts.push(`safety number: ${status.safetyNumber} (${check})`)
  }

  return parts.join('\n') + '\n'
}
