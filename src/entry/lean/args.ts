/** The lean stand-in for `@oclif/core/args` in the component bundle: the same definitions as oclif's (see flags.ts). */
type Input = Record<string, unknown>

export function custom(defaults: Input = {}) {
  return (options: Input = {}) => ({parse: async (input: string) => input, ...defaults, ...options, input: [], type: 'option' as const})
}

export const string = custom()
