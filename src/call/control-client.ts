import {resolve} from 'node:path'

import type {Bus} from '../bus/bus.js'
import type {CallStateReply} from '../bus/messages.js'
import {IvcError} from '../foundation/errors.js'
import {MAX_CHAT_CHARS} from '../protocol/call/control.js'

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
  record: {type: 'call.record', body: {}},
} as const

export type ControlRequest = keyof typeof CONTROL_REQUESTS

/** What the verb takes from the command line: chat its text; record start|stop, and start a file. */
export type ControlArgs = {text?: string; on?: boolean; file?: string}

/** The words after the verb, checked: BAD_USAGE for missing or extra ones. A file is resolved here, where it was named. */
export function controlArgs(action: string, words: {text?: string; file?: string}): ControlArgs {
  const {text, file} = words
  if (action === 'chat') {
    // Unquoted words would arrive as several arguments: say so rather than send the first word alone.
    if (file !== undefined) throw new IvcError('BAD_USAGE', 'chat takes one message: quote it, e.g. ivc control chat "hello there" --user NAME')
    if (!text || text.length > MAX_CHAT_CHARS) throw new IvcError('BAD_USAGE', `chat needs a message of 1-${MAX_CHAT_CHARS} characters: ivc control chat "hello" --user NAME`)
    return {text}
  }

  if (action === 'record') {
    if (text === 'start' && file) return {on: true, file: resolve(file)}
    if (text === 'stop' && file === undefined) return {on: false}
    throw new IvcError('BAD_USAGE', 'record takes start FILE.mkv or stop: ivc control record start call.mkv --user NAME')
  }

  if (text !== undefined || file !== undefined) throw new IvcError('BAD_USAGE', `${action} takes no text (only chat and record do)`)
  return {}
}

/** `extra`: what the verb takes from the command line (controlArgs). Recording may wait for node-av to load: 30 s. */
export function requestCall(bus: Bus, action: ControlRequest, extra: ControlArgs = {}, timeoutMs = action === 'record' ? 30_000 : 8000): Promise<CallStateReply> {
  const {type, body} = CONTROL_REQUESTS[action]
  return bus.request('call', type, {...body, ...extra}, {timeoutMs})
}

/** The line `ivc control record` prints. */
export function describeRecording(reply: CallStateReply): string {
  const {recording} = reply
  if (!recording) return describeStatus(reply)
  if (recording.on) return `recording to ${recording.file}; ${String(reply.peer)} is told\n`
  return `stopped recording: ${recording.file}${recording.durationMs === undefined ? ' (nothing recorded)' : ` (${(recording.durationMs / 1000).toFixed(1)} s: ${recording.streams?.join(', ')})`}\n`
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
