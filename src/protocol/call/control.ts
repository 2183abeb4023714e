import {z} from 'zod'

import type {Decoded} from '../../foundation/decoded.js'
import {defineCodec} from './codec.js'
import {callId, keepaliveBody, reasonText, username} from './fields.js'

/**
 * Call control (docs/protocol.md, "Call control"): the peer-to-peer connection that lives for the length of a call
 * and carries media toggles, hang-up and chat. Magic "IVCC", same frame as signalling, inside TLS keyed by the call's
 * control key, so the handshake has already proved the peer holds it. The first message from the connecting side
 * must be `auth`, naming the call and who is calling; anything else is refused. Version 2: `auth` no longer carries
 * the secret (version 1 sent it, handing it to anyone who completed TLS some other way).
 */
export const CONTROL_VERSION = 2
export const MAX_CHAT_CHARS = 2000

export const controlCodec = defineCodec(
  {protocol: 'control', magic: 'IVCC', version: CONTROL_VERSION},
  {
    auth: {code: 0x01, schema: z.object({callId, from: username}).strict()},
    'auth-ok': {code: 0x02, schema: z.object({callId}).strict()},
    'auth-refused': {code: 0x03, schema: z.object({reason: reasonText}).strict()},
    audio: {code: 0x04, schema: z.object({on: z.boolean()}).strict()},
    video: {code: 0x05, schema: z.object({on: z.boolean()}).strict()},
    hangup: {code: 0x06, schema: z.object({reason: reasonText}).strict()},
    keepalive: {code: 0x07, schema: keepaliveBody},
    'keepalive-ack': {code: 0x08, schema: keepaliveBody},
    /** A text message (`ivc control chat`), shown by both call components as `call.chat`. */
    chat: {code: 0x09, schema: z.object({text: z.string().min(1).max(MAX_CHAT_CHARS)}).strict()},
    /** The sender records the call (`ivc call --record`), or stopped; the peer shows it as `call.recording`. */
    recording: {code: 0x0a, schema: z.object({on: z.boolean()}).strict()},
  },
)

export type ControlMessage = Parameters<typeof controlCodec.encode>[0]
export type ControlType = ControlMessage['type']

/** The admitted call and peer, or why the connection is refused. */
export type AuthCheck = Decoded<{callId: string; from: string}>

/** Whether the first message of a control connection (already through TLS with the call's key) is for the expected call. */
export function checkControlAuth(first: ControlMessage, expected: {callId: string; peer?: string}): AuthCheck {
  if (first.type !== 'auth') return {ok: false, reason: `expected auth first, got ${first.type}`}
  if (first.callId !== expected.callId) return {ok: false, reason: 'unknown call'}
  if (expected.peer !== undefined && first.from !== expected.peer) return {ok: false, reason: `not the peer of this call`}
  return {ok: true, value: {callId: first.callId, from: first.from}}
}
