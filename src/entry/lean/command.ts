import {leanParse, type ParseOptions} from './parse.js'

/**
 * The lean stand-in for `@oclif/core/command` in the bundle of the components a call spawns (issue 12: loading and
 * setting up oclif was a third of a component's start-up). scripts/bundle-components.mjs swaps it in for oclif's, so
 * IvcCommand and the component commands are the same source with either base. It has what those commands use of
 * oclif's Command: argv, config, id, parse(), init/catch/finally around run() in _run(), exit(). Parsing is
 * lean/parse.ts, which leaves every command line it is not sure of to oclif (lean-start.ts runs it there).
 */

/** What the lean commands see as this.config: the package's version, and hooks (only ivc's own, which has none). */
export interface LeanConfig {
  root: string
  version: string
  bin: string
  runHook(event: string, options: unknown): Promise<{successes: never[]; failures: never[]}>
}

/** As oclif's ExitError (the same message, code and exit status; like oclif's, its name stays 'Error'). */
export class ExitError extends Error {
  readonly code = 'EEXIT'
  readonly oclif: {exit: number}

  constructor(exitCode = 1) {
    super(`EEXIT: ${exitCode}`)
    this.oclif = {exit: exitCode}
  }
}

// As oclif's Command module does on load: a closed stdout (piped into head) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') return
  throw error
})

export abstract class Command {
  static id: string
  static args = {}
  static flags = {}
  static baseFlags = {}
  static strict = true
  static enableJsonFlag = false
  static summary?: string
  static description?: string
  static examples?: unknown

  id: string | undefined
  parsed = false

  constructor(
    public argv: string[],
    public config: LeanConfig,
  ) {
    this.id = this.ctor.id
  }

  get ctor(): typeof Command {
    return this.constructor as typeof Command
  }

  /** As oclif's _run: init, run, catch, finally. NeedsOclif (from parse) passes through untouched: nothing ran yet. */
  async _run(): Promise<unknown> {
    let error: Error | undefined
    let result: unknown
    try {
      delete process.env.IVC_REDIRECTED
      await this.init()
      result = await this.run()
    } catch (caught) {
      if ((caught as Error).name === 'NeedsOclif') throw caught
      error = caught as Error
      try {
        await this.catch(error)
      } finally {
        await this.finally(error)
      }
    }

    if (!error) await this.finally(undefined)
    return result
  }

  abstract run(): Promise<unknown>

  async init(): Promise<void> {}

  async catch(error: Error & {exitCode?: number}): Promise<unknown> {
    process.exitCode = process.exitCode ?? error.exitCode ?? 1
    throw error
  }

  async finally(_error: Error | undefined): Promise<void> {}

  exit(code = 0): never {
    throw new ExitError(code)
  }

  async parse(options: ParseOptions, argv = this.argv): Promise<{args: Record<string, unknown>; flags: Record<string, unknown>}> {
    const result = await leanParse(argv, options, this)
    this.argv = [...argv]
    this.parsed = true
    return result
  }
}
