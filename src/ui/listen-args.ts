import {callFlags} from '../call/flags.js'
import {directoryFlags} from '../directory/flags.js'

/** The flags `ivc ui` passes on to the `ivc listen` it starts: every call and directory flag, and the call port. */
const PASSED = [...Object.keys(directoryFlags), ...Object.keys(callFlags)]

export function listenArgs(flags: Record<string, unknown>): string[] {
  const args = ['--port', String(flags['call-port']), '--log-level', String(flags['log-level'])]
  for (const name of PASSED) {
    const value = flags[name]
    if (value === undefined) continue
    if (typeof value === 'boolean') args.push(value ? `--${name}` : `--no-${name}`)
    else args.push(`--${name}`, String(value))
  }

  return args
}
