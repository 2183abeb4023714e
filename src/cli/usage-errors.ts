import {IvcError} from '../foundation/errors.js'
import {nearestName} from './nearest-name.js'

/** What of a flag definition an explanation needs (oclif's flag objects have these fields). */
export interface FlagShape {
  type?: string
  min?: number
  max?: number
  options?: readonly string[]
}

/** oclif's parse errors, by the fields they carry (RequiredArgsError, NonExistentFlagsError, CLIParseError). */
interface ParseErrorShape {
  message: string
  args?: Array<{name?: string; description?: string}>
  flags?: string[]
}

/**
 * oclif's command-line errors as ivc's one line: what is wrong, what is allowed, and the nearest flag for a typo
 * (oclif says `Parsing --fps` without the range, or `Missing 1 required arg:` with the name on a later line that a
 * one-line report drops). Anything else is returned unchanged, for toIvcError.
 */
export function explainUsageError(error: unknown, command: {id?: string; flags: Record<string, FlagShape>}): unknown {
  if (!(error instanceof Error) || (error as {oclif?: {exit?: number}}).oclif?.exit !== 2) return error
  const message = describe(error as ParseErrorShape, command.flags)
  const suggestion = command.id ? `\`ivc ${command.id} --help\` lists its flags, with examples.` : undefined
  return message ? new IvcError('BAD_USAGE', message, {cause: error, suggestion}) : error
}

function describe(error: ParseErrorShape, flags: Record<string, FlagShape>): string | undefined {
  const text = error.message.replace(/\nSee more help with --help$/, '')
  if (text.startsWith('Missing') && error.args?.length) {
    return error.args.map((arg) => `missing argument ${(arg.name ?? '').toUpperCase()}${arg.description ? ` (${uncapital(arg.description).replace(/\.$/, '')})` : ''}`).join('; ')
  }

  if (text.startsWith('Nonexistent flag') && error.flags?.length) {
    return error.flags.map((token) => unknownFlag(token, flags)).join('; ')
  }

  const parsing = /^Parsing --(\S+) \n\t(.*)$/s.exec(text)
  if (parsing) {
    const [, name, reason] = parsing
    const received = /received: (.*)$/.exec(reason)?.[1]
    const flag = flags[name]
    if (flag && /integer/.test(reason) && received !== undefined) return `--${name} must be ${integerRange(flag)} (got "${received}")`
    return `--${name}: ${uncapital(reason)}`
  }

  const option = /^Expected --([^=\s]+)=(.*) to be one of: (.*)$/s.exec(text)
  if (option) return `--${option[1]} must be one of ${option[3].trim()} (got "${option[2]}"${didYouMean(option[2], option[3])})`
  const argOption = /^Expected (.*) to be one of: (.*)$/s.exec(text)
  if (argOption) return `"${argOption[1]}" is not one of ${argOption[2].trim()}${didYouMean(argOption[1], argOption[2])}`
  const needsValue = /^Flag --(\S+) expects a value/.exec(text)
  if (needsValue) return `--${needsValue[1]} needs a value`
  return undefined
}

function unknownFlag(token: string, flags: Record<string, FlagShape>): string {
  const typed = token.replace(/^-+/, '').split('=')[0]
  const near = nearestName(typed, Object.keys(flags))
  return `unknown flag ${token}${near ? `: did you mean --${near}?` : ''}`
}

function didYouMean(typed: string, list: string): string {
  const near = nearestName(typed, list.split(',').map((option) => option.trim()))
  return near ? `: did you mean ${near}?` : ''
}

function integerRange(flag: FlagShape): string {
  if (flag.min !== undefined && flag.max !== undefined) return `a whole number from ${flag.min} to ${flag.max}`
  if (flag.min !== undefined) return `a whole number, at least ${flag.min}`
  if (flag.max !== undefined) return `a whole number, at most ${flag.max}`
  return 'a whole number'
}

function uncapital(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1)
}
