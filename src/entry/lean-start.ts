import {existsSync, readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {Command, LeanConfig} from './lean/command.js'

/**
 * The start of the processes of a call, without oclif (issue 12): the entry of dist/bundle/ (bundle-components.mjs),
 * in which lean/command.ts, lean/flags.ts and lean/args.ts stand in for oclif's. bin/run.js sends `stream-video`,
 * `stream-audio`, `control` (`run` and every action), `listen`, `call` and `presence` (not its list/show/watch) here
 * (never with --help or --version). Whatever the lean path is
 * not sure of goes to oclif as before (fast-start.ts, unbundled): a command line the lean parser leaves to oclif (it
 * then reports the error in its own words), and a machine with user-installed or linked oclif plugins, whose
 * `ivc:backends` hooks only oclif's Config runs.
 */
type CommandClass = (new (argv: string[], config: LeanConfig) => Command) & {id: string}

const COMPONENTS: Record<string, () => Promise<CommandClass>> = {
  'stream-video': async () => (await import('../commands/stream-video.js')).default as unknown as CommandClass,
  'stream-audio': async () => (await import('../commands/stream-audio.js')).default as unknown as CommandClass,
  control: async () => (await import('../commands/control.js')).default as unknown as CommandClass,
  listen: async () => (await import('../commands/listen.js')).default as unknown as CommandClass,
  call: async () => (await import('../commands/call.js')).default as unknown as CommandClass,
  presence: async () => (await import('../commands/presence.js')).default as unknown as CommandClass,
}

/** `rootUrl`: the package directory (where package.json is). argv starts with the command id, as process.argv.slice(2). */
export async function runComponent(rootUrl: URL, argv: string[]): Promise<void> {
  const [id, ...rest] = argv
  const load = COMPONENTS[id]
  if (!load) throw new Error(`not a component command: ${id}`)
  if (hasUserPlugins()) return withOclif(rootUrl, argv)
  const pjson = JSON.parse(readFileSync(new URL('package.json', rootUrl), 'utf8')) as {version: string}
  const config: LeanConfig = {
    root: fileURLToPath(rootUrl),
    version: pjson.version,
    bin: 'ivc',
    // ivc declares no hooks of its own (package.json oclif.hooks); plugins, which could, take the oclif path.
    runHook: async () => ({successes: [], failures: []}),
  }
  const Component = await load()
  Component.id = id
  const command = new Component(rest, config)
  command.id = id
  try {
    await command._run()
    await flush()
  } catch (error) {
    if ((error as Error).name === 'NeedsOclif') return withOclif(rootUrl, argv)
    // As oclif's handle(): this.exit() exits with its status, silently; anything else escaped IvcCommand.catch.
    const exit = (error as {code?: string; oclif?: {exit?: number}}).code === 'EEXIT' ? (error as {oclif: {exit: number}}).oclif.exit : undefined
    if (exit !== undefined) process.exit(exit)
    const {handle} = await import('@oclif/core/handle')
    await handle(error as Error)
  }
}

/** The oclif path: the unbundled fast-start.ts (a URL esbuild does not follow, so it keeps oclif's Command). */
async function withOclif(rootUrl: URL, argv: string[]): Promise<void> {
  const oclifStart = new URL('dist/entry/fast-start.js', rootUrl).href
  const {runComponent: run} = (await import(oclifStart)) as {runComponent(rootUrl: URL, argv: string[]): Promise<void>}
  await run(rootUrl, argv)
}

/** Whether oclif would load user-installed or linked plugins: it reads them from package.json in its data dir. */
function hasUserPlugins(): boolean {
  const dataDir = process.env.IVC_DATA_DIR || join(process.env.XDG_DATA_HOME || join(homedir(), '.local/share'), 'ivc')
  return existsSync(join(dataDir, 'package.json'))
}

/** As oclif's flush(): wait until stdout has taken what was written. */
async function flush(): Promise<void> {
  if (process.stdout.write('')) return
  await new Promise((resolve) => process.stdout.once('drain', resolve))
}
