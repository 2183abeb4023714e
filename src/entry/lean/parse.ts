/**
 * A small parser for the command lines a call gives its components (issue 12: oclif's parser alone costs a component
 * ~40 ms of start-up). It understands the subset of oclif's syntax and flag features that ivc's component commands
 * use and gives, for those, exactly what oclif's parse gives (`{args, flags}`; test/cli/lean-parse.test.ts checks it
 * against oclif's own). Anything else, and every input oclif would reject, throws NeedsOclif: the caller then runs the
 * command through oclif, which parses it again and reports the error in its own words. So the lean path never has
 * to reproduce an error message, only the values of command lines that are right.
 */
export class NeedsOclif extends Error {
  constructor(reason: string) {
    super(`the lean parser leaves this to oclif: ${reason}`)
    this.name = 'NeedsOclif'
  }
}

/** The fields of an oclif flag or arg definition this parser reads (oclif's own objects and lean/flags.ts alike). */
export interface FlagDefinition {
  type: string
  parse?: (input: never, context: never, definition: never) => Promise<unknown>
  char?: string
  env?: string
  default?: unknown
  options?: readonly string[]
  allowNo?: boolean
  exclusive?: readonly unknown[]
  [key: string]: unknown
}

export interface ArgDefinition {
  parse?: (input: never, context: never, definition: never) => Promise<unknown>
  options?: readonly string[]
  required?: boolean
  ignoreStdin?: boolean
  default?: unknown
  [key: string]: unknown
}

export interface ParseOptions {
  flags?: Record<string, FlagDefinition>
  baseFlags?: Record<string, FlagDefinition>
  args?: Record<string, ArgDefinition>
  strict?: boolean
  enableJsonFlag?: boolean
}

/** Flag features whose meaning the lean parser does not reproduce: a command that uses one is parsed by oclif. */
const UNSUPPORTED_FLAG_FEATURES = ['aliases', 'charAliases', 'relationships', 'dependsOn', 'exactlyOne', 'atLeastOne', 'combinable', 'required', 'deprecated', 'deprecateAliases', 'allowStdin', 'delimiter', 'defaultHelp']
const UNSUPPORTED_ARG_FEATURES = ['multiple']
const TRUTHY = ['1', 'true', 'y', 'yes']

type Definitions = Record<string, FlagDefinition>

/** Parse argv as oclif would, or throw NeedsOclif. `context` is what oclif passes a flag's parse() (the command). */
export async function leanParse(argv: string[], options: ParseOptions, context: object = {}): Promise<{args: Record<string, unknown>; flags: Record<string, unknown>}> {
  if (options.enableJsonFlag) throw new NeedsOclif('--json as oclif flag')
  if (options.strict === false) throw new NeedsOclif('a command that is not strict')
  const definitions: Definitions = {...options.baseFlags, ...options.flags}
  const argDefinitions = options.args ?? {}
  checkSupported(definitions, argDefinitions)
  const {tokens, positionals} = tokenize(argv, definitions)
  const args = await parseArgs(positionals, argDefinitions, context)
  const {flags, fromDefault} = await parseFlags(tokens, definitions, context)
  for (const [name, definition] of Object.entries(definitions)) {
    if (flags[name] === undefined || fromDefault.has(name) || !definition.exclusive) continue
    for (const other of definition.exclusive) {
      if (typeof other !== 'string') throw new NeedsOclif(`--${name} has a conditional exclusive`)
      if (flags[other] !== undefined && !fromDefault.has(other)) throw new NeedsOclif(`--${name} with --${other}`)
    }
  }

  return {args, flags}
}

function checkSupported(definitions: Definitions, args: Record<string, ArgDefinition>): void {
  for (const [name, definition] of Object.entries(definitions)) {
    if (definition.type !== 'boolean' && definition.type !== 'option') throw new NeedsOclif(`--${name} is of type ${definition.type}`)
    if (definition.multiple) throw new NeedsOclif(`--${name} takes several values`)
    if (typeof definition.default === 'function') throw new NeedsOclif(`--${name} has a computed default`)
    const feature = UNSUPPORTED_FLAG_FEATURES.find((key) => key in definition && definition[key] !== undefined && definition[key] !== false)
    if (feature) throw new NeedsOclif(`--${name} uses ${feature}`)
  }

  for (const [name, definition] of Object.entries(args)) {
    if (typeof definition.default === 'function') throw new NeedsOclif(`arg ${name} has a computed default`)
    const feature = UNSUPPORTED_ARG_FEATURES.find((key) => definition[key])
    if (feature) throw new NeedsOclif(`arg ${name} uses ${feature}`)
  }
}

interface Token {
  flag: string
  input: string
}

/** The flag a token names, as oclif's findFlag: --name, --no-name (a boolean with allowNo), -c. */
function findFlag(token: string, definitions: Definitions): string | undefined {
  if (token.startsWith('--')) {
    const name = token.slice(2)
    if (definitions[name]) return name
    if (token.startsWith('--no-')) {
      const negated = token.slice('--no-'.length)
      if (definitions[negated]?.type === 'boolean' && definitions[negated].allowNo) return negated
    }

    return undefined
  }

  if (!token.startsWith('-')) return undefined
  const char = token[1]
  return char === undefined ? undefined : Object.keys(definitions).find((name) => definitions[name].char === char)
}

function tokenize(argv: string[], definitions: Definitions): {tokens: Token[]; positionals: string[]} {
  const tokens: Token[] = []
  const positionals: string[] = []
  const rest = [...argv]
  while (rest.length > 0) {
    const token = rest.shift()!
    if (token === '--') throw new NeedsOclif('"--"')
    if (!token.startsWith('-') || token === '-') {
      positionals.push(token)
      continue
    }

    let name = findFlag(token, definitions)
    let inline: string | undefined
    if (!name) {
      const equals = token.indexOf('=')
      // --name=value, for an option flag only (oclif reads a boolean's "=value" as a positional argument).
      if (equals !== -1 && token.startsWith('--')) {
        name = findFlag(token.slice(0, equals), definitions)
        inline = token.slice(equals + 1)
      }

      if (!name || definitions[name].type !== 'option') {
        if (/^-\d/.test(token)) {
          positionals.push(token)
          continue
        }

        throw new NeedsOclif(`unknown flag ${token}`)
      }
    }

    const definition = definitions[name]
    const isLong = token.startsWith('--')
    if (definition.type === 'boolean') {
      if (!isLong && token.length > 2) throw new NeedsOclif(`combined short flags ${token}`)
      tokens.push({flag: name, input: token})
      continue
    }

    if (tokens.some((seen) => seen.flag === name)) throw new NeedsOclif(`--${name} given twice`)
    const value = inline ?? (isLong || token.length < 3 ? rest.shift() : token.slice(token[2] === '=' ? 3 : 2))
    if (value === undefined || findFlag(value, definitions)) throw new NeedsOclif(`--${name} without a value`)
    tokens.push({flag: name, input: value})
  }

  return {tokens, positionals}
}

async function parseArgs(positionals: string[], definitions: Record<string, ArgDefinition>, context: object): Promise<Record<string, unknown>> {
  const names = Object.keys(definitions)
  if (positionals.length > names.length) throw new NeedsOclif('unexpected arguments')
  const args: Record<string, unknown> = {}
  for (const [index, name] of names.entries()) {
    const definition = definitions[name]
    const input = positionals[index]
    if (input === undefined) {
      // oclif reads a missing argument from stdin unless told not to.
      if (!definition.ignoreStdin) throw new NeedsOclif(`arg ${name} may come from stdin`)
      if (definition.default || definition.default === false) args[name] = definition.default
      if (definition.required && args[name] === undefined) throw new NeedsOclif(`missing arg ${name}`)
      continue
    }

    if (definition.options && !definition.options.includes(input)) throw new NeedsOclif(`arg ${name} is not one of its options`)
    args[name] = await run(definition.parse, input, {...context, token: {arg: name, input, type: 'arg'}}, definition, `arg ${name}`)
  }

  return args
}

async function parseFlags(tokens: Token[], definitions: Definitions, context: object): Promise<{flags: Record<string, unknown>; fromDefault: Set<string>}> {
  const flags: Record<string, unknown> = {}
  const fromDefault = new Set<string>()
  for (const [name, definition] of Object.entries(definitions)) {
    const last = tokens.findLast((token) => token.flag === name)
    const env = definition.env ? process.env[definition.env] : undefined
    let value: unknown
    if (last && definition.type === 'boolean') {
      value = await run(definition.parse, last.input !== `--no-${name}`, {...context, token: {...last, type: 'flag'}}, definition, `--${name}`)
    } else if (last) {
      value = await run(definition.parse, checkOption(definition, last.input, name), {...context, token: {...last, type: 'flag'}}, definition, `--${name}`)
    } else if (env && definition.type === 'option') {
      value = await run(definition.parse, checkOption(definition, env, name), {...context}, definition, `--${name}`)
    } else if (env) {
      value = TRUTHY.includes(env.toLowerCase())
    } else {
      value = definition.default
      fromDefault.add(name)
    }

    if (value !== undefined) flags[name] = value
  }

  return {flags, fromDefault}
}

function checkOption(definition: FlagDefinition, input: string, name: string): string {
  if (definition.options && !definition.options.includes(input)) throw new NeedsOclif(`--${name} is not one of its options`)
  return input
}

/** A definition's parse(), or the input as is without one; any error it throws is oclif's to report. */
async function run(parse: FlagDefinition['parse'], input: unknown, context: object, definition: object, what: string): Promise<unknown> {
  if (!parse) return input
  try {
    return await parse(input as never, context as never, definition as never)
  } catch {
    throw new NeedsOclif(`${what} does not parse`)
  }
}
