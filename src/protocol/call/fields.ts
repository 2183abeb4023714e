import {z} from 'zod'

import {isValidUsername} from '../../foundation/username.js'
import {PUBLIC_KEY_PATTERN, SIGNATURE_PATTERN} from '../../security/identity.js'
import {KEY_SHARE_PATTERN} from '../../security/key-share.js'

/** Field types shared by call signalling and control bodies; every string and number is bounded. */
export const callId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8-64 characters of A-Z a-z 0-9 _ -')
export const username = z.string().max(32).refine(isValidUsername, 'invalid username')
export const host = z.string().min(1).max(255).regex(/^[A-Za-z0-9.:%_-]+$/, 'must be a host name or IP address')
export const port = z.number().int().min(1).max(65_535)
/** An X25519 public key, 32 bytes as base64url without padding (see src/security/key-share.ts). */
export const keyShare = z.string().regex(KEY_SHARE_PATTERN, 'must be 43 base64url characters (an X25519 public key)')
/** An Ed25519 identity key, 32 bytes as base64url without padding (see src/security/identity.ts). */
export const identityKey = z.string().regex(PUBLIC_KEY_PATTERN, 'must be 43 base64url characters (an Ed25519 public key)')
/** An Ed25519 signature, 64 bytes as base64url without padding. */
export const signature = z.string().regex(SIGNATURE_PATTERN, 'must be 86 base64url characters (an Ed25519 signature)')
export const reasonText = z.string().max(200)
export const keepaliveBody = z.object({seq: z.number().int().min(0).max(0xff_ff_ff_ff), t: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)}).strict()

/** A media format name understood by the stream component, e.g. "mjpeg", "pcm-s16le". */
export const formatName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,31}$/, 'must be a short lower-case format name')

/** A stream's formats: what this side can send and receive of it, each once (docs/protocol.md, "Formats"). */
export const formatList = z
  .array(formatName)
  .min(1)
  .max(8)
  .refine((formats) => new Set(formats).size === formats.length, 'must not name a format twice')

const streamBase = {
  formats: formatList,
  /** The TCP port this side listens on for the stream's connections. */
  port,
  /** Parallel TCP connections of the stream (the seed used 20 for video, 10 for audio). */
  connections: z.number().int().min(1).max(64),
  /** Whether this side will send / wants to receive the stream. */
  send: z.boolean(),
  receive: z.boolean(),
}

/** The frame sizes a call can offer, and so every --size flag accepts (media/video/frame-size.ts). */
export const FRAME_SIZE_LIMITS = {minWidth: 16, maxWidth: 7680, minHeight: 16, maxHeight: 4320} as const

export const videoOffer = z
  .object({
    ...streamBase,
    width: z.number().int().min(FRAME_SIZE_LIMITS.minWidth).max(FRAME_SIZE_LIMITS.maxWidth).optional(),
    height: z.number().int().min(FRAME_SIZE_LIMITS.minHeight).max(FRAME_SIZE_LIMITS.maxHeight).optional(),
    fps: z.number().int().min(1).max(240).optional(),
  })
  .strict()

export const audioOffer = z
  .object({
    ...streamBase,
    sampleRate: z.number().int().min(8000).max(192_000).optional(),
    channels: z.number().int().min(1).max(8).optional(),
  })
  .strict()

/** A side's media: a stream that is absent is not offered at all. */
export const mediaOffer = z.object({video: videoOffer.optional(), audio: audioOffer.optional()}).strict()

/**
 * What the callee chose for a stream, in its accept: the format each direction uses (formats.ts answerFormats). A
 * direction with none does not flow.
 */
const chosen = {toCaller: formatName.optional(), toCallee: formatName.optional()}

/** The callee's media in its accept: its offer, each stream with the formats chosen for it. */
export const mediaAnswer = z.object({video: videoOffer.extend(chosen).strict().optional(), audio: audioOffer.extend(chosen).strict().optional()}).strict()

export type VideoOffer = z.infer<typeof videoOffer>
export type AudioOffer = z.infer<typeof audioOffer>
export type MediaOffer = z.infer<typeof mediaOffer>
export type MediaAnswer = z.infer<typeof mediaAnswer>
