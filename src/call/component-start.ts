import {z} from 'zod'

import {IvcError} from '../foundation/errors.js'
import {formatName} from '../protocol/call/fields.js'

/**
 * The start line (docs/bus.md, "Components of a call"). A call starts its components before the call is agreed,
 * so each process is up (modules loaded, source opened, receivers listening) by the time the peer answers: the
 * caller's as it dials, the callee's as it rings. What only the agreed call can give, the key and for a connecting
 * component the peer's address, the supervisor then writes as one JSON line on the component's stdin (a private pipe
 * from its parent: neither the bus nor a command line, both readable by other local processes).
 */
export const startLineSchema = z
  .object({
    /** The key of this component's use (src/security/key-share.ts, callKey). */
    secret: z.string().regex(/^[0-9a-f]{64}$/),
    /** Where a sender or the caller's control component connects: HOST:PORT. */
    to: z.string().min(3).max(300).optional(),
    /** A sender starts with its medium off (the user turned it off while the call was being set up). */
    off: z.boolean().optional(),
    /** A media component: the format its direction uses (the accept's choice, protocol/call/formats.ts), to code it with. */
    format: formatName.optional(),
  })
  .strict()

export type StartLine = z.infer<typeof startLineSchema>

/**
 * How long a call's component may take to start, and a sender waits for its peer's receiver to listen: about a
 * second on a quiet machine, many more on a loaded one; bounded all the same.
 */
export const COMPONENT_START_MS = 30_000

/** A start line is short; anything longer is not one. */
const MAX_START_LINE_BYTES = 1024

export function encodeStartLine(line: StartLine): string {
  return JSON.stringify(startLineSchema.parse(line)) + '\n'
}

/**
 * The start line from `nextLine` (the supervisor's next line on stdin), checked. A component asks for it first and
 * awaits it once it is ready for it, so a rejection meanwhile is not an unhandled one.
 */
export function awaitStartLine(nextLine: () => Promise<string>): Promise<StartLine> {
  const line = readStartLine(nextLine)
  line.catch(() => undefined)
  return line
}

async function readStartLine(nextLine: () => Promise<string>): Promise<StartLine> {
  let text: string
  try {
    text = await nextLine()
  } catch {
    throw new IvcError('PEER_GONE', 'the call ended before it was agreed (stdin closed before the start line)')
  }

  if (text.length > MAX_START_LINE_BYTES) throw new IvcError('PROTOCOL_ERROR', `the start line is longer than ${MAX_START_LINE_BYTES} bytes`)
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new IvcError('PROTOCOL_ERROR', 'the start line is not JSON')
  }

  const result = startLineSchema.safeParse(parsed)
  if (!result.success) {
    const issue = result.error.issues[0]
    throw new IvcError('PROTOCOL_ERROR', `the start line is malformed: ${issue?.path.join('.') || 'line'}: ${issue?.message ?? 'invalid'}`)
  }

  return result.data
}

/**
 * A receiver's key while its start line is still to come: it listens at once, and connections wait for the key. The
 * rejection (the call ended first) is the process's business, not the waiting connections'.
 */
export function keyOf(started: Promise<StartLine> | undefined): Promise<string> | undefined {
  if (!started) return undefined
  const key = started.then((line) => line.secret)
  key.catch(() => undefined)
  return key
}
