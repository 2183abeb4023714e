import {Bus} from '../bus/bus.js'
import type {Logger} from '../foundation/logger.js'
import {validateUsername} from '../foundation/username.js'
import {ensureListener} from './listener.js'
import type {Account} from './session.js'

/**
 * Open `user`'s side for the page: a bus connection of its own (component `ui`) and the user's `ivc listen`, reused
 * or started with `listenArgs` (the command's call and directory flags).
 */
export async function openAccount(options: {user: string; redis: string; listenArgs: string[]; listenEnv?: NodeJS.ProcessEnv; logger: Logger}): Promise<Account> {
  const user = validateUsername(options.user)
  const bus = await Bus.connect({redis: options.redis, user, component: 'ui', logger: options.logger})
  try {
    const listener = await ensureListener({bus, user, listenArgs: ['--redis', options.redis, ...options.listenArgs], env: options.listenEnv, logger: options.logger})
    let closing = false
    const ended = listener.ended.then((why) => {
      if (!closing) options.logger.warn(`ui: ${user}'s ivc listen stopped: ${why}`)
      return why
    })
    return {
      user,
      bus,
      // A listener stopped on purpose (close) did not end by itself: nobody need hear of it.
      ended: ended.then((why) => (closing ? new Promise<string>(() => {}) : why)),
      close: async () => {
        closing = true
        await listener.stop()
        await bus.close()
      },
    }
  } catch (error) {
    await bus.close()
    throw error
  }
}
