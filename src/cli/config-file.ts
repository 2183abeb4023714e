import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {ivcConfigDir} from '../foundation/config-dir.js'
import {IvcError} from '../foundation/errors.js'
import {nearestName} from './nearest-name.js'

/**
 * The optional config file: a JSON object of flag names to values, e.g. {"user": "alice", "log-level": "debug"}.
 * It sits below flags and IVC_* variables and above built-in defaults. We apply it by adding the missing flags to
 * argv before oclif parses, so a value from the file is validated exactly like one typed on the command line.
 */
export type ConfigFile = Record<string, string | number | boolean>

export function configFilePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.IVC_CONFIG) return env.IVC_CONFIG
  return join(ivcConfigDir(env), 'config.json')
}

export function readConfigFile(path: string): ConfigFile {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new IvcError('CONFIG_INVALID', `cannot read ${path}: ${(error as Error).message}`)
  }

  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new IvcError('CONFIG_INVALID', `${path} is not valid JSON: ${(error as Error).message}`)
  }

  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new IvcError('CONFIG_INVALID', `${path} must hold a JSON object`)
  }

  for (const [key, entry] of Object.entries(value)) {
    if (!['string', 'number', 'boolean'].includes(typeof entry)) {
      throw new IvcError('CONFIG_INVALID', `${path}: "${key}" must be a string, number or boolean`)
    }
  }

  return value as ConfigFile
}

export interface FlagSpec {
  type: 'boolean' | 'option'
  char?: string
  env?: string
  allowNo?: boolean
}

/** argv plus `--name=value` for every file key that names a flag given neither in argv nor by its env variable. */
export function applyConfigFile(
  argv: string[],
  flags: Record<string, FlagSpec>,
  file: ConfigFile,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const end = argv.indexOf('--')
  const options = end === -1 ? argv : argv.slice(0, end)
  const added: string[] = []
  for (const [name, value] of Object.entries(file)) {
    const spec = flags[name]
    if (!spec) continue
    if (spec.env && env[spec.env] !== undefined) continue
    if (givenInArgv(options, name, spec)) continue
    if (spec.type === 'boolean') {
      if (value === true || value === 'true') added.push(`--${name}`)
      else if (spec.allowNo) added.push(`--no-${name}`)
    } else {
      added.push(`--${name}=${String(value)}`)
    }
  }

  if (added.length === 0) return argv
  return end === -1 ? [...argv, ...added] : [...options, ...added, ...argv.slice(end)]
}

function givenInArgv(argv: string[], name: string, spec: FlagSpec): boolean {
  return argv.some(
    (token) =>
      token === `--${name}` ||
      token.startsWith(`--${name}=`) ||
      token === `--no-${name}` ||
      (spec.char !== undefined && token.startsWith(`-${spec.char}`) && !token.startsWith('--')),
  )
}

/**
 * The file's keys that no ivc command has a flag for, each with the nearest flag name if one is close: the file is
 * shared by every command, so a key this command does not take may still be another's (`fps` for stream-video).
 * `manifest` is oclif.manifest.json (every command's flags); read only when this command does not know a key.
 */
export function unknownConfigKeys(file: ConfigFile, known: Record<string, FlagSpec>, manifestPath: string): Array<{key: string; near?: string}> {
  const strangers = Object.keys(file).filter((key) => !(key in known))
  if (strangers.length === 0) return []
  let manifest: {commands?: Record<string, {flags?: Record<string, unknown>}>}
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
  } catch {
    return []
  }

  const flags = new Set(Object.values(manifest.commands ?? {}).flatMap((command) => Object.keys(command.flags ?? {})))
  return strangers.filter((key) => !flags.has(key)).map((key) => ({key, near: nearestName(key, [...flags])}))
}
