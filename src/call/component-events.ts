import {z} from 'zod'

/**
 * What a call's component prints on stdout for its supervisor (docs/bus.md, "Components of a call"): one JSON object
 * a line. The events the call waits on are declared here and checked where the supervisor reads them
 * (src/call/supervisor.ts); any other object (the once-a-second stats, the summary last, `ivc listen --json`'s call
 * events in the demo) passes as an open object. A line that is not a JSON object, or a known event that does not fit
 * its schema, is a counted rejection (Supervisor.rejected), never a crash.
 */
export const COMPONENT_EVENTS = {
  /** A receiver, or the callee's control component, listens on `port`. */
  listening: z.object({event: z.literal('listening'), port: z.number().int().min(0).max(65_535)}).passthrough(),
  /** The control component: the peer's control connection is admitted. */
  ready: z.object({event: z.literal('ready'), peer: z.string().optional()}).passthrough(),
  /** A receiver: the first frame from the peer arrived. */
  'first-frame': z.object({event: z.literal('first-frame')}).passthrough(),
  /** A media component's once-a-second stats. */
  stats: z.object({event: z.literal('stats'), role: z.enum(['sender', 'receiver']).optional()}).passthrough(),
} as const

/** Any event line: an object, with an event name when it has one. */
const anyEvent = z.object({event: z.string().max(64).optional()}).passthrough()
export type ComponentEvent = z.infer<typeof anyEvent>

/** A line longer than this is not an event (a summary is a few hundred bytes). */
export const MAX_EVENT_LINE_BYTES = 64 * 1024

export type EventLine = {kind: 'event'; event: ComponentEvent} | {kind: 'text'; line: string} | {kind: 'rejected'; reason: string}

/** One stdout line of a component: an event, a plain text line (logged), or a rejected one (counted). */
export function parseEventLine(line: string): EventLine {
  if (line.length > MAX_EVENT_LINE_BYTES) return {kind: 'rejected', reason: `a line of ${line.length} bytes`}
  if (!line.startsWith('{')) return {kind: 'text', line}
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return {kind: 'rejected', reason: 'a line that starts like JSON but is not'}
  }

  const parsed = anyEvent.safeParse(value)
  if (!parsed.success) return {kind: 'rejected', reason: `not an event object: ${parsed.error.issues[0]?.message ?? 'invalid'}`}
  const name = parsed.data.event
  const known = name !== undefined && Object.hasOwn(COMPONENT_EVENTS, name) ? COMPONENT_EVENTS[name as keyof typeof COMPONENT_EVENTS] : undefined
  if (known) {
    const checked = known.safeParse(value)
    if (!checked.success) {
      const issue = checked.error.issues[0]
      return {kind: 'rejected', reason: `bad ${name} event: ${issue?.path.join('.') || 'event'}: ${issue?.message ?? 'invalid'}`}
    }
  }

  return {kind: 'event', event: parsed.data}
}
