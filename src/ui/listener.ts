import type {Bus} from '../bus/bus.js'
import {IvcError} from '../foundation/errors.js'
import type {Logger} from '../foundation/logger.js'
import {type Component, Supervisor} from '../call/supervisor.js'

/** Starting `ivc listen` (Redis, directory, the call port) takes about a second; on a loaded host far more. */
const LISTEN_START_MS = 60_000

export interface Listener {
  /** Whether this ui process started it (and so stops it), or found the user's own already running. */
  owned: boolean
  /** Resolves if an owned listener ends by itself (a crash, its name taken); never for a reused one. */
  ended: Promise<string>
  stop(): Promise<void>
}

/**
 * The user's call component for the page: the `ivc listen` already running for the user on this bus (the one call
 * component a user has, as `ivc call` finds it), or one started here as a supervised child process with the
 * command's call and directory flags, which ends with this process.
 */
export async function ensureListener(options: {bus: Bus; user: string; listenArgs: string[]; env?: NodeJS.ProcessEnv; logger: Logger}): Promise<Listener> {
  const {bus, user, logger} = options
  if ((await bus.alive('call')).length > 0) {
    // Its own call port and flags stay: --call-port and the call flags apply to a listen started here.
    logger.info(`${user} already runs ivc listen: the page drives that one (with its call port and flags, not this command's --call-port and call flags)`)
    return {owned: false, ended: new Promise(() => {}), stop: async () => {}}
  }

  let ended!: (why: string) => void
  const endedPromise = new Promise<string>((resolve) => (ended = resolve))
  const supervisor = new Supervisor(logger, (exit) => ended(exit.error ?? `ivc listen ended (${exit.signal ?? `exit ${exit.code}`})`))
  const listen: Component = supervisor.start(`listen ${user}`, ['listen', '--user', user, '--json', ...options.listenArgs], {env: options.env})
  try {
    await listen.firstEvent('listening', LISTEN_START_MS)
  } catch (error) {
    const exit = await Promise.race([listen.exited, Promise.resolve(undefined)])
    await supervisor.stopAll()
    throw new IvcError('COMPONENT_FAILED', `ivc listen for ${user} did not start: ${exit?.error ?? (error as Error).message}`)
  }

  return {owned: true, ended: endedPromise, stop: async () => void (await supervisor.stopAll())}
}
