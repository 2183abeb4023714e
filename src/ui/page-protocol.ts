import {z} from 'zod'

import type {Decoded} from '../foundation/decoded.js'
import {MAX_CHAT_CHARS} from '../protocol/call/control.js'
import type {PageRequest} from './page-types.js'

export type * from './page-types.js'

/**
 * The messages between the page and `ivc ui` over its WebSocket (docs/protocol.md, "The ui page"): one JSON object
 * per text message, `v: 1`. What the page sends is validated here, at the ui process's boundary (a message that does
 * not fit is answered with an `error` message, never acted on); what the ui process sends is typed only, since it
 * writes it itself. The page imports these types (web/), never the schemas.
 */
export const PAGE_PROTOCOL_VERSION = 1
/** The ui process reads no page message larger than this (the WebSocket's maxPayload): a chat line and its frame. */
export const MAX_PAGE_MESSAGE_BYTES = 16 * 1024

const mediaKind = z.enum(['audio', 'video'])

export const pageRequestSchema = z.discriminatedUnion('type', [
  /** Go online as another name (the seed's Home → Home: enter your name and Save). */
  z.object({v: z.literal(1), type: z.literal('save-name'), name: z.string().max(64)}).strict(),
  z.object({v: z.literal(1), type: z.literal('call'), peer: z.string().max(64)}).strict(),
  z.object({v: z.literal(1), type: z.literal('accept')}).strict(),
  z.object({v: z.literal(1), type: z.literal('decline')}).strict(),
  /** Cancel while calling, or hang up on a call. */
  z.object({v: z.literal(1), type: z.literal('hangup')}).strict(),
  /** Camera and microphone: on Home a preference for the next call, in a call a toggle the peer sees. */
  z.object({v: z.literal(1), type: z.literal('media'), kind: mediaKind, on: z.boolean()}).strict(),
  z.object({v: z.literal(1), type: z.literal('chat'), text: z.string().min(1).max(MAX_CHAT_CHARS)}).strict(),
  z.object({v: z.literal(1), type: z.literal('stats')}).strict(),
  /** The page is done with a picture (the next of its stream may come): painted, or skipped. */
  z.object({v: z.literal(1), type: z.literal('taken'), stream: z.enum(['video', 'self-view']), handedUs: z.number().finite().nonnegative(), painted: z.boolean()}).strict(),
])
// The schema and the page's own type (page-types.ts, which the page imports without zod) say the same.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const _schemaIsPageRequest: Same<z.infer<typeof pageRequestSchema>, PageRequest> = true
void _schemaIsPageRequest

/** Parse one text message from the page; never throws. */
export function decodePageRequest(text: string): Decoded<PageRequest> {
  if (text.length > MAX_PAGE_MESSAGE_BYTES) return {ok: false, reason: `message over ${MAX_PAGE_MESSAGE_BYTES} bytes`}
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return {ok: false, reason: 'not JSON'}
  }

  const parsed = pageRequestSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return {ok: false, reason: `${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'}`}
  }

  return {ok: true, value: parsed.data}
}
