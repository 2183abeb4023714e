import * as Args from '@oclif/core/args'

import {IvcCommand} from '../../cli/base-command.js'
import {IvcError} from '../../foundation/errors.js'
import {directoryFlags, openDirectoryFromFlags} from '../../directory/flags.js'
import {renderEntry} from '../../directory/render.js'
import {realClock} from '../../foundation/clock.js'

export default class PresenceShow extends IvcCommand<typeof PresenceShow> {
  static override summary = 'Show one user\'s directory entry.'
  static override description = 'Prints the entry of NAME: status (offline once its heartbeats stopped), address, ports, last heartbeat, version. Fails with UNKNOWN_USER when the directory has no such name.'
  static override examples = [
    {description: 'Where is bob', command: '<%= config.bin %> presence show bob'},
    {description: 'Bob\'s call port, for a script', command: '<%= config.bin %> presence show bob --json | jq .ports.call'},
  ]

  static override args = {
    name: Args.string({description: 'The username to look up.', required: true, ignoreStdin: true}),
  }

  static override flags = {...directoryFlags}

  async run(): Promise<void> {
    const directory = await openDirectoryFromFlags(this.flags, this.logger)
    this.lifecycle.onShutdown('directory', () => directory.close())
    const entry = await directory.lookup(this.args.name)
    if (!entry) throw new IvcError('UNKNOWN_USER', `no user named "${this.args.name}" in the directory`)
    this.output(entry, () => renderEntry(entry, realClock.wallMs()))
  }
}
