/**
 * The lean stand-in for `@oclif/core/flags` in the component bundle (scripts/bundle-components.mjs swaps it in; see
 * command.ts). It builds the same flag definitions as oclif's (same fields, same parse functions), so a command's
 * `static flags` mean the same in either: help, the manifest and every other command still use oclif's own.
 * A parse function throws a plain Error here: the lean parser (parse.ts) never reports it, it hands the command line
 * to oclif, which reports its own text.
 */
type Input = Record<string, unknown>

export function custom<T = string>(defaults: Input = {}) {
  return (options: Input = {}) => ({
    parse: async (input: string, _context?: unknown, _options?: unknown): Promise<T> => input as unknown as T,
    ...defaults,
    ...options,
    input: [],
    multiple: Boolean(options.multiple === undefined ? (defaults.multiple ?? false) : options.multiple),
    type: 'option' as const,
  })
}

export function boolean(options: Input = {}) {
  return {parse: async (value: boolean) => value, ...options, allowNo: Boolean(options.allowNo), type: 'boolean' as const}
}

export function option(defaults: Input) {
  return (options: Input = {}) => ({
    parse: async (input: string) => input,
    ...defaults,
    ...options,
    input: [],
    multiple: Boolean(options.multiple === undefined ? defaults.multiple : options.multiple),
    type: 'option' as const,
  })
}

export const string = custom()

export const integer = custom<number>({
  async parse(input: string, _context: unknown, options: {min?: number; max?: number}) {
    if (!/^-?\d+$/.test(input)) throw new Error(`Expected an integer but received: ${input}`)
    const value = Number.parseInt(input, 10)
    if (options.min !== undefined && value < options.min) throw new Error(`Expected an integer greater than or equal to ${options.min}`)
    if (options.max !== undefined && value > options.max) throw new Error(`Expected an integer less than or equal to ${options.max}`)
    return value
  },
})
