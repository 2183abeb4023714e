import {firstLine, IvcError, isIvcError} from '../foundation/errors.js'

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
