import {z} from 'zod'

import {controlCodec, MAX_CHAT_CHARS} from '../protocol/call/control.js'
import type {Envelope} from './envelope.js'

/**
 * Every message on the bus, declared once (docs/bus.md, "What is on the bus"): the body of each envelope `type` on
 * each topic, of each request a component serves, and the reply envelope. The bus validates a body against these
 * where it enters a process (Bus.subscribe, Bus.serve, the reply of Bus.request); a body that does not fit is a
 * counted, logged rejection (Bus.rejections), never a crash. A test checks docs/bus.md against these tables.
 *
 * Bodies are open objects (`passthrough`) unless the doc says exactly what they hold: a newer publisher may add a
 * field, but a field a reader relies on must be there with its type.
 */

const mediaKind = z.enum(['audio', 'video'])
const text = z.string().max(MAX_CHAT_CHARS)
const reason = z.string().max(1000)

/** `call.*` on topic `call`: `{callId, peer, ...}`; the fields readers use are typed. */
const callEvent = z.object({callId: z.string(), peer: z.string().optional()}).passthrough()

/** A media component's stats or summary, as far as ivc reads them (stream-video, stream-audio; more fields pass). */
export const mediaStatsSchema = z
  .object({
    role: z.enum(['sender', 'receiver']).optional(),
    /** The codec the stream is in: `opus`, `pcm`; `h264`, `vp8`, `jpeg`, `raw`. */
    codec: z.string().max(32).optional(),
    frames: z.number().nullish(),
    fps: z.number().nullish(),
    latencyMs: z.object({p95: z.number().nullish()}).passthrough().nullish(),
  })
  .passthrough()
export type MediaStats = z.infer<typeof mediaStatsSchema>

/** What `call.ended` carries as `summary` (src/call/call-book.ts CallSummary is this type). */
export const callSummarySchema = z
  .object({
    callId: z.string(),
    peer: z.string(),
    role: z.string(),
    durationS: z.number(),
    endReason: z.string(),
    endCode: z.string(),
    setupMs: z.number().optional(),
    video: mediaStatsSchema.optional(),
    audio: mediaStatsSchema.optional(),
    /** How each of the call's processes on this side ended (src/call/media-session.ts). */
    components: z.array(z.object({name: z.string(), code: z.number().nullable(), signal: z.string().nullable()})).optional(),
    /** The call was recorded, `by` this side's user or the peer; this side's recording names its file (src/call/recording.ts). */
    recording: z.object({by: z.string().optional(), file: z.string().optional(), durationMs: z.number().optional(), streams: z.array(z.string()).optional()}).optional(),
  })
  .passthrough()
export type CallSummary = z.infer<typeof callSummarySchema>

export const TOPICS = {
  presence: {
    'presence.changed': z
      .object({
        event: z.string(),
        name: z.string(),
        address: z.string(),
        ports: z.record(z.number()),
        status: z.string(),
        at: z.number(),
        reason: z.string().optional(),
      })
      .passthrough(),
  },
  call: {
    'call.state': z.object({state: z.enum(['listening', 'in-call'])}).passthrough(),
    'call.outgoing': callEvent,
    'call.incoming': callEvent,
    'call.ringing': callEvent,
    'call.started': callEvent,
    'call.first-frame': callEvent.extend({kind: mediaKind, setupMs: z.number()}),
    /** `formats`: the format each medium uses each way (protocol/call/formats.ts callFormats), the call's negotiated codecs. */
    'call.media-up': callEvent.extend({formats: z.record(z.enum(['video', 'audio']), z.object({send: z.string().optional(), receive: z.string().optional()}).strict()).optional()}),
    'call.media': callEvent.extend({side: z.enum(['local', 'peer']), kind: mediaKind, on: z.boolean()}),
    'call.refused': callEvent,
    'call.ending': callEvent,
    'call.ended': callEvent.extend({summary: callSummarySchema}),
    'call.replaced': callEvent.extend({replacedBy: z.string()}),
    'call.chat': callEvent.extend({direction: z.enum(['in', 'out']), text}),
    'call.stalled': callEvent.extend({silentMs: z.number(), timeoutMs: z.number()}),
    'call.resumed': callEvent.extend({silentMs: z.number()}),
    /** The call is being recorded `by` this side's user (with its `file`) or the peer (told over the control connection). */
    'call.recording': callEvent.extend({on: z.boolean(), by: z.string(), file: z.string().optional()}),
  },
  control: {
    'control.ready': z.object({peer: z.string()}).passthrough(),
    'control.peer-media': z.object({kind: mediaKind, on: z.boolean()}).passthrough(),
    'control.hangup': z.object({reason}).passthrough(),
    'control.lost': z.object({reason}).passthrough(),
    'control.chat': z.object({text: text.min(1)}).passthrough(),
    'control.recording': z.object({on: z.boolean()}).passthrough(),
    'control.stalled': z.object({silentMs: z.number()}).passthrough(),
    'control.resumed': z.object({silentMs: z.number()}).passthrough(),
  },
  media: {
    'media.set': z.object({kind: mediaKind, on: z.boolean()}).passthrough(),
  },
  'video-stats': {'video.stats': mediaStatsSchema},
  'audio-stats': {'audio.stats': mediaStatsSchema},
} as const

/** The fields `call.*` requests may carry; a reason is cut to what the signalling protocol carries (200 characters). */
const callRequest = z.object({
  reason: z.string().transform((value) => value.slice(0, 200)).optional(),
  kind: mediaKind.optional(),
  on: z.boolean().optional(),
  peer: z.string().max(32).optional(),
  host: z.string().max(255).optional(),
  port: z.number().int().min(1).max(65_535).optional(),
  publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/).optional(),
  signedAt: z.number().int().nonnegative().optional(),
  text: z.string().min(1).max(MAX_CHAT_CHARS).optional(),
  /** call.dial (`ivc call --record`) and call.record: the file to record into, an absolute path of the caller's. */
  record: z.string().min(1).max(4096).optional(),
  file: z.string().min(1).max(4096).optional(),
})

/** A message `control.send` relays to the peer: one the control protocol has, of the types a local process may send. */
const relayed = z.discriminatedUnion('type', [
  z.object({type: z.literal('audio'), on: z.boolean()}).strict(),
  z.object({type: z.literal('video'), on: z.boolean()}).strict(),
  z.object({type: z.literal('hangup'), reason: z.string()}).strict(),
  z.object({type: z.literal('chat'), text: z.string().min(1).max(MAX_CHAT_CHARS)}).strict(),
  z.object({type: z.literal('recording'), on: z.boolean()}).strict(),
])

/** The call's state, as every `call.*` request answers it (src/call/serve-requests.ts describeState). */
const sendingSide = z.object({audio: z.boolean(), video: z.boolean()}).passthrough()
/** A stream component's state hash, one field per role (`call.stats`). */
const streamState = z.object({sender: mediaStatsSchema.optional(), receiver: mediaStatsSchema.optional()}).passthrough()
const callState = z
  .object({
    state: z.string(),
    callId: z.string().optional(),
    peer: z.string().optional(),
    role: z.string().optional(),
    peerFingerprint: z.string().optional(),
    safetyNumber: z.string().optional(),
    verified: z.boolean().optional(),
    sending: z.object({local: sendingSide, peer: sendingSide}).partial().passthrough().optional(),
    video: streamState.optional(),
    audio: streamState.optional(),
    sent: z.string().optional(),
    /** call.record's answer: recording `on` into `file`, or stopped (with the finished file's duration and streams). */
    recording: z.object({on: z.boolean(), file: z.string(), durationMs: z.number().optional(), streams: z.array(z.string()).optional()}).optional(),
  })
  .passthrough()
export type CallStateReply = z.infer<typeof callState>

/** Requests by component: the body each type takes and the `result` of its reply. */
export const REQUESTS = {
  call: {
    'call.dial': {body: callRequest.extend({peer: z.string().max(32), host: z.string().max(255), port: z.number().int().min(1).max(65_535), publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/)}), result: z.object({callId: z.string()}).passthrough()},
    'call.status': {body: callRequest, result: callState},
    'call.accept': {body: callRequest, result: callState},
    'call.reject': {body: callRequest, result: callState},
    'call.hangup': {body: callRequest, result: callState},
    'call.set-media': {body: callRequest.extend({kind: mediaKind}), result: callState},
    'call.chat': {body: callRequest.extend({text: z.string().min(1).max(MAX_CHAT_CHARS)}), result: callState},
    'call.stats': {body: callRequest, result: callState},
    'call.record': {body: callRequest.extend({on: z.boolean()}), result: callState},
  },
  control: {
    'control.send': {body: z.object({message: relayed}).passthrough(), result: z.object({sent: z.string()}).passthrough()},
  },
  presence: {
    'presence.status': {body: z.unknown(), result: z.object({}).passthrough()},
  },
} as const

/** The body of every reply: `{ok: true, result}` or `{ok: false, error: {code, message}}`. */
export const replyBodySchema = z.discriminatedUnion('ok', [
  z.object({ok: z.literal(true), result: z.unknown()}),
  z.object({ok: z.literal(false), error: z.object({code: z.string(), message: z.string()})}),
])
export type ReplyBody = z.infer<typeof replyBodySchema>

export type Topic = keyof typeof TOPICS
export type TopicType<T extends Topic> = keyof (typeof TOPICS)[T] & string
/** A valid envelope of topic T: narrowing on `type` narrows `body`. */
export type TopicEnvelope<T extends Topic> = {
  [K in TopicType<T>]: Envelope<(typeof TOPICS)[T][K] extends z.ZodTypeAny ? z.output<(typeof TOPICS)[T][K]> : never> & {type: K}
}[TopicType<T>]
/** The named fields of a passthrough object, without its index signature (so an interface value fits). */
type Known<B> = {[F in keyof B as string extends F ? never : F]: B[F]}
/** What a publisher of type K on topic T passes: the fields the schema names (more may go with them). */
export type TopicBody<T extends Topic, K extends TopicType<T>> = (typeof TOPICS)[T][K] extends z.ZodTypeAny ? Known<z.input<(typeof TOPICS)[T][K]>> : never

export type ServedComponent = keyof typeof REQUESTS
export type RequestType<C extends ServedComponent> = keyof (typeof REQUESTS)[C] & string
type RequestSpec<C extends ServedComponent, K extends RequestType<C>> = (typeof REQUESTS)[C][K] extends {body: z.ZodTypeAny; result: z.ZodTypeAny} ? (typeof REQUESTS)[C][K] : never
export type RequestEnvelope<C extends ServedComponent> = {[K in RequestType<C>]: Envelope<z.output<RequestSpec<C, K>['body']>> & {type: K}}[RequestType<C>]
export type RequestBody<C extends ServedComponent, K extends RequestType<C>> = z.input<RequestSpec<C, K>['body']>
export type RequestResult<C extends ServedComponent, K extends RequestType<C>> = z.output<RequestSpec<C, K>['result']>

/** The schema of a topic's type, or undefined when the topic has no such type. */
export function topicSchema(topic: string, type: string): z.ZodTypeAny | undefined {
  const types = (TOPICS as Record<string, Record<string, z.ZodTypeAny>>)[topic]
  return types && Object.hasOwn(types, type) ? types[type] : undefined
}

export function requestSpec(component: string, type: string): {body: z.ZodTypeAny; result: z.ZodTypeAny} | undefined {
  const types = (REQUESTS as Record<string, Record<string, {body: z.ZodTypeAny; result: z.ZodTypeAny}>>)[component]
  return types && Object.hasOwn(types, type) ? types[type] : undefined
}

/** One line for a log: where a zod parse failed. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0]
  return `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`
}

// The relayed control messages are a subset of the control protocol's (a compile-time check).
type Relayed = z.infer<typeof relayed>
type ProtocolMessage = Parameters<typeof controlCodec.encode>[0]
const _relayedIsProtocol = (message: Relayed): ProtocolMessage => message
void _relayedIsProtocol
