import {z} from 'zod'

import type {Decoded} from '../foundation/decoded.js'

/**
 * The one message shape on the bus (docs/bus.md). Version 1. Everything a component publishes, every request and
 * every reply is an Envelope serialised as JSON; anything that does not parse into one is dropped with a warning.
 */
export const ENVELOPE_VERSION = 1
export const MAX_ENVELOPE_BYTES = 1024 * 1024

const name = z.string().min(1).max(128)

export const envelopeSchema = z
  .object({
    v: z.literal(ENVELOPE_VERSION),
    type: z.string().regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/).max(64),
    from: name,
    callId: name.optional(),
    id: name.optional(),
    replyTo: name.optional(),
    ts: z.number().int().nonnegative(),
    body: z.unknown(),
  })
  .strict()

export type Envelope<B = unknown> = Omit<z.infer<typeof envelopeSchema>, 'body'> & {body: B}

export function decodeEnvelope(raw: string | Buffer): Decoded<Envelope> {
  if (raw.length > MAX_ENVELOPE_BYTES) return {ok: false, reason: `envelope of ${raw.length} bytes exceeds ${MAX_ENVELOPE_BYTES}`}
  let value: unknown
  try {
    value = JSON.parse(raw.toString())
  } catch {
    return {ok: false, reason: 'not JSON'}
  }

  const parsed = envelopeSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return {ok: false, reason: `${issue.path.join('.') || 'envelope'}: ${issue.message}`}
  }

  return {ok: true, value: parsed.data as Envelope}
}

export function encodeEnvelope(envelope: Envelope): string {
  return JSON.stringify(envelope)
}
