import {firstLine, IvcError, isIvcError} from '../foundation/errors.js'
import {fingerprint} from '../security/identity.js'

/**
 * Store errors after the first connect (connection dropped, server selection timed out, a command refused while
 * reconnecting) all mean one thing to a caller: the directory cannot be reached right now. Our own IvcErrors pass
 * through; the store's error is kept as the cause for --log-level debug.
 */
export async function guard<T>(where: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    throw asUnreachable(where, error)
  }
}

export function asUnreachable(where: string, error: unknown): IvcError {
  if (isIvcError(error)) return error
  return new IvcError('DIRECTORY_UNREACHABLE', `cannot reach the directory (${where}): ${firstLine((error as Error)?.message ?? String(error))}`, {cause: error})
}

/** NAME_TAKEN for a claim under another key than the one the name is bound to. */
export function nameBound(name: string, boundKey: string | undefined): IvcError {
  return new IvcError('NAME_TAKEN', `"${name}" belongs to another identity key (${boundKey ? fingerprint(boundKey) : 'unknown'})`, {
    suggestion: 'Pick another --user, or import that user\'s identity (`ivc identity import`) if it is yours.',
  })
}
