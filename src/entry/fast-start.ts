import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import type {Command} from '@oclif/core'
import {Config} from '@oclif/core/config'
import {flush} from '@oclif/core/flush'
import {handle} from '@oclif/core/handle'

/**
 * The oclif start of the components a call spawns (issue 12): a call starts ~5 of them per side, so their start-up is
 * call set-up time. Normally they start without oclif (lean-start.ts, bundled); this is where that path hands what it
 * is not sure of (a command line its parser leaves to oclif, user-installed plugins), and what bin/run.js runs when
 * there is no bundle. `stream-video`, `stream-audio`, `control`, `listen`, `call` and `presence` (never with --help or
 * --version): the command class is imported directly, with an oclif Config that skips the core plugins (help,
 * plugins, autocomplete: none of them has a hook a component runs) but still loads user-installed and linked plugins,
 * so their `ivc:backends` hooks keep adding backends. No command lookup, no `init`/`prerun` hooks, and the Config is
 * not loaded a second time by Command.run.
 */
type CommandClass = (new (argv: string[], config: Config) => Command) & {id: string}

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
  const root = fileURLToPath(rootUrl)
  const [id, ...rest] = argv
  const load = COMPONENTS[id]
  if (!load) throw new Error(`not a component command: ${id}`)
  try {
    const pjson = JSON.parse(readFileSync(new URL('package.json', rootUrl), 'utf8'))
    const [config, Component] = await Promise.all([Config.load({root, pjson: {...pjson, oclif: {...pjson.oclif, plugins: []}}}), load()])
    Component.id = id
    const command = new Component(rest, config)
    command.id = id
    // Command.run() would load the Config again; _run() is what it calls next (init, run, catch, finally).
    await (command as unknown as {_run(): Promise<unknown>})._run()
    await flush()
  } catch (error) {
    // As oclif's execute(): IvcCommand.catch has reported user errors; this is this.exit() and what escapes it.
    await handle(error as Error)
  }
}
