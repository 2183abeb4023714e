import {join} from 'node:path'

import * as Flags from '@oclif/core/flags'
import type {Interfaces} from '@oclif/core'
import {Command} from '@oclif/core/command'

import type {Bus} from '../bus/bus.js'
import {scrubSecretsFromEnv} from '../security/flags.js'
import {applyConfigFile, configFilePath, type FlagSpec, readConfigFile, unknownConfigKeys} from './config-file.js'
import {isExitRequest, IvcError, renderError, toIvcError} from '../foundation/errors.js'
import {Lifecycle} from './lifecycle.js'
import {checkPasswordPlaces} from './password-places.js'
import {explainUsageError} from './usage-errors.js'
import {createLogger, LOG_LEVELS, type Logger, type LogLevel} from '../foundation/logger.js'
import {validateUsername} from '../foundation/username.js'
import {ivcConfigDir} from '../foundation/config-dir.js'
import {type IdentityRecord, loadOrCreateIdentity} from '../security/identity-file.js'

export type IvcFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof IvcCommand)['baseFlags'] & T['flags']>
export type IvcArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

export const DEFAULT_REDIS = 'redis://127.0.0.1:6379'

/**
 * The class every ivc command extends. It owns what all commands share: the global flags (each with an IVC_* env
 * fallback and a config-file fallback), the stderr logger, clean shutdown on SIGINT/SIGTERM, the Redis bus
 * connection, and turning any error into one line plus a hint with its documented exit status.
 */
export abstract class IvcCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    user: Flags.string({
      char: 'u',
      env: 'IVC_USER',
      helpGroup: 'GLOBAL',
      description: 'Local user whose components this command belongs to (namespaces the bus).',
    }),
    redis: Flags.string({
      env: 'IVC_REDIS',
      helpGroup: 'GLOBAL',
      default: DEFAULT_REDIS,
      description: 'Local Redis for the bus: redis://[USER:PASSWORD@]host:port, unix:///path/to/sock, or a socket path. A password only in the config file (chmod 600) or IVC_REDIS, never on the command line.',
    }),
    json: Flags.boolean({
      env: 'IVC_JSON',
      helpGroup: 'GLOBAL',
      default: false,
      description: 'Machine-readable output on stdout: one JSON object per line.',
    }),
    'log-level': Flags.option({
      options: LOG_LEVELS,
      env: 'IVC_LOG_LEVEL',
      helpGroup: 'GLOBAL',
      default: 'warn' as LogLevel,
      description: 'How much to log on stderr; debug also prints stack traces.',
    })(),
  }

  protected flags!: IvcFlags<T>
  protected args!: IvcArgs<T>
  protected logger: Logger = createLogger('warn')
  protected lifecycle!: Lifecycle

  public override async init(): Promise<void> {
    await super.init()
    const ctor = this.ctor as typeof IvcCommand
    const specs = flagSpecs({...ctor.baseFlags, ...ctor.flags})
    const file = readConfigFile(configFilePath())
    checkPasswordPlaces(this.argv, file, configFilePath())
    this.argv = applyConfigFile(this.argv, specs, file)
    const {args, flags} = await this.parse({
      args: ctor.args,
      baseFlags: ctor.baseFlags,
      enableJsonFlag: false,
      flags: ctor.flags,
      strict: ctor.strict,
    })
    scrubSecretsFromEnv()
    this.flags = flags as IvcFlags<T>
    this.args = args as IvcArgs<T>
    this.logger = createLogger(this.flags['log-level'], this.id ? `ivc ${this.id}` : 'ivc')
    // Real time, not a Clock: a start-up trace, before anything is wired.
    this.logger.debug(`up: flags parsed ${Math.round(performance.now())} ms after the process started`)
    // A call's components would each repeat the warning its call already gave.
    if (process.env.IVC_SUPERVISED !== '1') {
      for (const {key, near} of unknownConfigKeys(file, specs, join(this.config.root, 'oclif.manifest.json'))) {
        this.logger.warn(`${configFilePath()}: "${key}" is not a flag of any ivc command, so it is ignored${near ? ` (did you mean "${near}"?)` : ''}`)
      }
    }

    this.lifecycle = new Lifecycle(this.logger)
    this.lifecycle.installSignalHandlers()
    this.lifecycle.stopWhenSupervisorGone()
  }

  public override async catch(error: Error & {oclif?: {exit?: number}}): Promise<void> {
    // this.exit() throws an ExitError that oclif must see; it is not a failure to report.
    if (isExitRequest(error)) throw error
    // A parse error is reported here; oclif must not also warn that the command never parsed its flags.
    this.parsed = true
    const ctor = this.ctor as typeof IvcCommand
    const ivcError = toIvcError(explainUsageError(error, {id: this.id, flags: {...ctor.baseFlags, ...ctor.flags}}))
    const debug = (this.flags?.['log-level'] ?? argvLogLevel(this.argv)) === 'debug'
    if (this.flags?.json ?? (this.argv.includes('--json') || ['1', 'true'].includes(process.env.IVC_JSON ?? ''))) {
      process.stdout.write(JSON.stringify({error: ivcError.toJSON()}) + '\n')
    }

    process.stderr.write(renderError(ivcError))
    if (debug) process.stderr.write(`${(ivcError.cause as Error | undefined)?.stack ?? ivcError.stack}\n`)
    process.exitCode = ivcError.exit
  }

  public override async finally(error: Error | undefined): Promise<void> {
    if (this.lifecycle) {
      await this.lifecycle.close()
      this.lifecycle.dispose()
    }

    await super.finally(error)
  }

  /** The --user value, checked; commands that act for a user call this. */
  protected requireUser(): string {
    const user = this.flags.user
    if (!user) throw new IvcError('BAD_USAGE', 'this command needs --user (or IVC_USER)', {suggestion: 'Add --user NAME, e.g. --user alice.'})
    return validateUsername(user)
  }

  /** The identity of --user (created on first use): signs its directory entry and its calls. */
  protected identity(): IdentityRecord {
    return loadOrCreateIdentity(ivcConfigDir(), this.requireUser())
  }

  /** Connect to the local bus as `component` of the --user; closed on shutdown. */
  protected async connectBus(component: string): Promise<Bus> {
    // ioredis and zod load only in a command that joins the bus (not a standalone stream).
    const {Bus} = await import('../bus/bus.js')
    const bus = await Bus.connect({redis: this.flags.redis, user: this.requireUser(), component, logger: this.logger})
    this.lifecycle.onShutdown('bus', () => bus.close())
    return bus
  }

  /** Report a user error after the data was already printed: the line and hint on stderr, and the exit status. */
  protected failAfterOutput(error: IvcError): void {
    process.stderr.write(renderError(error))
    process.exitCode = error.exit
  }

  /** One data record on stdout: a JSON line with --json, else the human rendering. */
  protected output(record: unknown, human?: () => string): void {
    if (this.flags.json) process.stdout.write(JSON.stringify(record) + '\n')
    else if (human) process.stdout.write(human())
  }
}

function flagSpecs(flags: Record<string, {type: string; char?: string; env?: string; allowNo?: boolean}>): Record<string, FlagSpec> {
  const specs: Record<string, FlagSpec> = {}
  for (const [name, flag] of Object.entries(flags)) {
    specs[name] = {type: flag.type === 'boolean' ? 'boolean' : 'option', char: flag.char, env: flag.env, allowNo: flag.allowNo}
  }

  return specs
}

/** The --log-level from raw argv, for errors raised before flags were parsed. */
function argvLogLevel(argv: string[]): string | undefined {
  const index = argv.findIndex((token) => token === '--log-level' || token.startsWith('--log-level='))
  if (index === -1) return process.env.IVC_LOG_LEVEL
  return argv[index].includes('=') ? argv[index].split('=')[1] : argv[index + 1]
}
