import {statSync} from 'node:fs'

import {IvcError} from '../foundation/errors.js'
import type {ConfigFile} from './config-file.js'

/** The flags whose value may be a URL with a password: the bus's Redis, and a shared directory. */
const WITH_PASSWORD = ['redis', 'directory'] as const

/**
 * Where the password of a shared Redis (or directory) may be kept (docs/bus.md, "Who can reach the bus"): whoever
 * has it drives and reads this user's calls, so only where other local users cannot read it. The config file,
 * readable by its owner alone (0600, as ssh requires of a private key), or the environment (IVC_REDIS,
 * IVC_DIRECTORY: a process's environment is its owner's). Never on a command line: /proc/PID/cmdline, and so `ps`,
 * shows it to every local user.
 */
export function checkPasswordPlaces(argv: readonly string[], file: ConfigFile, path: string): void {
  for (const name of WITH_PASSWORD) {
    if (hasPassword(flagInArgv(argv, name))) {
      throw new IvcError('BAD_USAGE', `--${name} on the command line carries a password, which every local user can read (ps)`, {
        suggestion: `Put it in ${path} (chmod 600), e.g. {"${name}": "redis://USER:PASSWORD@HOST:PORT"}, or in IVC_${name.toUpperCase()}.`,
      })
    }
  }

  const holding = WITH_PASSWORD.filter((name) => hasPassword(file[name]))
  if (holding.length === 0) return
  const mode = statSync(path).mode & 0o777
  if ((mode & 0o077) !== 0) {
    throw new IvcError('CONFIG_INVALID', `${path} holds a password (${holding.map((name) => `"${name}"`).join(', ')}) but other users may read it (mode ${mode.toString(8).padStart(3, '0')})`, {
      suggestion: `Run \`chmod 600 ${path}\`.`,
    })
  }
}

function flagInArgv(argv: readonly string[], name: string): string | undefined {
  const end = argv.indexOf('--')
  const options = end === -1 ? argv : argv.slice(0, end)
  for (const [index, token] of options.entries()) {
    if (token.startsWith(`--${name}=`)) return token.slice(name.length + 3)
    if (token === `--${name}`) return options[index + 1]
  }

  return undefined
}

function hasPassword(value: unknown): boolean {
  if (typeof value !== 'string') return false
  try {
    return new URL(value).password !== ''
  } catch {
    // Not a URL ("redis", a socket path): no password; the flag itself reports a bad value.
    return false
  }
}
