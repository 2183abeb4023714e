import * as Flags from '@oclif/core/flags'

import {IvcCommand} from '../../cli/base-command.js'
import {directoryFlags, openDirectoryFromFlags} from '../../directory/flags.js'
import {renderTable} from '../../directory/render.js'
import {realClock} from '../../foundation/clock.js'

export default class PresenceList extends IvcCommand<typeof PresenceList> {
  static override summary = 'List who is online in the directory.'
  static override description = 'Reads the directory once: name, status (online, in-call; offline with --all), address, ports, last heartbeat and version. With --json prints one JSON array of entries. Entries the directory holds in a bad shape are skipped with a warning on stderr.'
  static override examples = [
    {description: 'Who is online', command: '<%= config.bin %> presence list'},
    {description: 'Everyone, offline too, as JSON', command: '<%= config.bin %> presence list --all --json'},
    {description: 'In a shared MongoDB directory', command: '<%= config.bin %> presence list --directory mongodb://db.example:27017/ivc'},
  ]

  static override flags = {
    ...directoryFlags,
    all: Flags.boolean({env: 'IVC_ALL', default: false, description: 'Include offline users (kept for a day after they were last seen).'}),
  }

  async run(): Promise<void> {
    const directory = await openDirectoryFromFlags(this.flags, this.logger)
    this.lifecycle.onShutdown('directory', () => directory.close())
    const entries = await directory.list({onlineOnly: !this.flags.all})
    this.output(entries, () => renderTable(entries, realClock.wallMs()))
  }
}
