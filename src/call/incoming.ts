import {createInterface} from 'node:readline'

import type {Logger} from '../foundation/logger.js'
import type {CallDriver} from './driver.js'

/**
 * What to do with a ringing call: accept or reject it for scripts, ask on a TTY (`ask`), or else leave it ringing for
 * `ivc control accept|reject` (it times out on its own). A call we yielded to in glare is accepted at once.
 */
export function answerIncoming(driver: CallDriver, body: Record<string, unknown>, options: {auto?: 'accept' | 'reject'; ask: boolean; logger: Logger}): void {
  const accept = () => driver.accept().catch((error: Error) => options.logger.warn(`accepting failed: ${error.message}`))
  if (body.glare || options.auto === 'accept') {
    void accept()
    return
  }

  if (options.auto === 'reject') {
    driver.reject('declined')
    return
  }

  // `ask: false`: the call terminal (cli/terminal) answers from its keys, or `ivc control` from elsewhere.
  if (!options.ask || !process.stdin.isTTY || !process.stderr.isTTY) return
  const prompt = createInterface({input: process.stdin, output: process.stderr})
  prompt.question(`Incoming call from ${String(body.peer)} — accept? [y/N] `, (answer) => {
    prompt.close()
    if (driver.state.kind !== 'incoming') return
    if (/^y(es)?$/i.test(answer.trim())) void accept()
    else driver.reject('declined')
  })
}
