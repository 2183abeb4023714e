import {IvcError} from '../foundation/errors.js'
import {type AuthCheck, checkControlAuth} from '../protocol/call/control.js'
import type {ControlConnection} from './connections.js'
import {type Clock, realClock} from '../foundation/clock.js'

/**
 * The opening of a control connection (docs/protocol.md, "Call control"). The connection is TLS keyed by the call's
 * control key, so completing the handshake proved the peer holds it; the connecting side then names the call and
 * itself in an `auth` message (never the secret); the accepting side answers `auth-ok`, or `auth-refused` and closes.
 * Nothing else is read from a connection until it has been admitted.
 */
export async function presentControlAuth(connection: ControlConnection, auth: {callId: string; from: string}): Promise<void> {
  connection.send({type: 'auth', ...auth})
  const answer = await connection.next()
  if (answer.type === 'auth-ok' && answer.callId === auth.callId) return
  if (answer.type === 'auth-refused') {
    void connection.close('authentication refused')
    throw new IvcError('AUTH_FAILED', `control: the peer refused us: ${answer.reason}`)
  }

  connection.destroy(`expected auth-ok, got ${answer.type}`, 'protocol')
  throw new IvcError('PROTOCOL_ERROR', `control: expected auth-ok, got ${answer.type}`)
}

/** Wait (bounded) for the first message and admit the connection only if it names this call and its peer. */
export async function admitControl(
  connection: ControlConnection,
  expected: {callId: string; peer?: string},
  options: {timeoutMs?: number; clock?: Clock} = {},
): Promise<AuthCheck> {
  const clock = options.clock ?? realClock
  const timeoutMs = options.timeoutMs ?? 5000
  let timer: unknown
  const timedOut = new Promise<'timeout'>((resolve) => (timer = clock.setTimeout(() => resolve('timeout'), timeoutMs)))
  let first
  try {
    first = await Promise.race([connection.next(), timedOut])
  } catch (error) {
    return {ok: false, reason: error instanceof Error ? error.message : String(error)}
  } finally {
    clock.clearTimeout(timer)
  }

  const check: AuthCheck = first === 'timeout' ? {ok: false, reason: `no auth within ${timeoutMs} ms`} : checkControlAuth(first, expected)
  if (check.ok) {
    connection.send({type: 'auth-ok', callId: expected.callId})
  } else {
    connection.send({type: 'auth-refused', reason: check.reason})
    void connection.close(`refused: ${check.reason}`)
  }

  return check
}
