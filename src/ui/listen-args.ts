import {callFlags} from '../call/flags.js'
import {directoryFlags} from '../directory/flags.js'

/** The flags `ivc ui` passes on to the `ivc listen` it starts: every call and directory flag, and the call port. */
const PASSED = {...directoryFlags, ...callFlags}

export function listenArgs(flags: Record<string, unknown>): string[] {
  const args = ['--port', String(flags['call-port']), '--log-level', String(flags['log-level'])]
  for (const [name, flag] of Object.entries(PASSED)) {
    const value = flags[name]
    if (value === undefined) continue
    // A switch that is off is left out, unless it has a --no- form (on by default, like --video). A flag that takes a
    // value passes it, even one parsed to a boolean (--trust-on-first-use true|false).
    if (flag.type === 'boolean') {
      if (value) args.push(`--${name}`)
      else if ('allowNo' in flag && flag.allowNo) args.push(`--no-${name}`)
    } else args.push(`--${name}`, String(value))
  }

  return args
}
