import {z} from 'zod'

import {defineCodec} from './codec.js'
import {callId, host, identityKey, keepaliveBody, keyShare, mediaAnswer, mediaOffer, reasonText, signature, username} from './fields.js'

/**
 * Call signalling (docs/protocol.md, "Call signalling"): the messages on the TCP connection from the caller to the
 * callee's listening port, inside TLS keyed by the connection's hello (hello.ts). Magic "IVCS", version 6 (1 sent the
 * call secret itself in the accept; 2 agreed on it with key shares, see src/security/key-share.ts; 3 added `failed`
 * to hangup; 4 signed invite and accept with the identity keys, see transcript.ts; 5 runs inside TLS after a
 * cleartext hello, opens with the callee's `proof`, binds the signatures to the connection's channel, and says in a
 * hangup when it failed on authentication; 6 lists each stream's formats in the offer, and the accept says which
 * each direction uses, formats.ts).
 */
export const SIGNAL_VERSION = 6

/** Why a failed hang-up failed: `auth-failed`, the sender could not confirm the set-up (the control handshake failed). */
export const HANGUP_CODES = ['auth-failed'] as const

/** Why a callee declined; `auth-failed` and `identity-changed` say the invite did not prove who sent it. */
export const REJECT_CODES = ['declined', 'timeout', 'glare', 'wrong-user', 'unavailable', 'auth-failed', 'identity-changed'] as const
export type RejectCode = (typeof REJECT_CODES)[number]

export const signalCodec = defineCodec(
  {protocol: 'signalling', magic: 'IVCS', version: SIGNAL_VERSION},
  {
    invite: {
      code: 0x01,
      schema: z.object({callId, from: username, to: username, address: host, keyShare, identityKey, media: mediaOffer, signature}).strict(),
    },
    ringing: {code: 0x02, schema: z.object({callId}).strict()},
    accept: {code: 0x03, schema: z.object({callId, keyShare, identityKey, controlPort: z.number().int().min(1).max(65_535), media: mediaAnswer, signature}).strict()},
    reject: {code: 0x04, schema: z.object({callId, code: z.enum(REJECT_CODES), reason: reasonText}).strict()},
    busy: {code: 0x05, schema: z.object({callId}).strict()},
    cancel: {code: 0x06, schema: z.object({callId, reason: reasonText}).strict()},
    /** `failed`: the sender's side of the call broke (a component crashed, control lost), not a person's hang-up. */
    hangup: {code: 0x07, schema: z.object({callId, reason: reasonText, failed: z.literal(true).optional(), code: z.enum(HANGUP_CODES).optional()}).strict()},
    keepalive: {code: 0x08, schema: keepaliveBody},
    'keepalive-ack': {code: 0x09, schema: keepaliveBody},
    /** The callee's first message: its identity key and signature over the connection's channel (transcript.ts). */
    proof: {code: 0x0a, schema: z.object({identityKey, signature}).strict()},
    /** The caller's answer to a proof that is not the callee's it expected; then it closes. */
    'proof-refused': {code: 0x0b, schema: z.object({reason: reasonText}).strict()},
  },
)

export type SignalMessage = Parameters<typeof signalCodec.encode>[0]
export type SignalType = SignalMessage['type']
export type SignalOf<T extends SignalType> = Extract<SignalMessage, {type: T}>
