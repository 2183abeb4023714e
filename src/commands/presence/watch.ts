import {IvcCommand} from '../../cli/base-command.js'
import {directoryFlags, openDirectoryFromFlags} from '../../directory/flags.js'
import {changeRecord} from '../../directory/render.js'
import {whenAborted} from '../../foundation/abort.js'

export default class PresenceWatch extends IvcCommand<typeof PresenceWatch> {
  static override summary = 'Print directory changes as they happen, one JSON object per line, until stopped.'
  static override description = 'Watches the directory: a line {"event","name","previous","at","address","ports"} each time a user comes online, goes in-call, moves, or goes offline (cleanly or because their heartbeats stopped). Pushed changes arrive at once; expiry shows within one --heartbeat-ms of it happening.'
  static override examples = [
    {description: 'Follow the directory', command: '<%= config.bin %> presence watch'},
    {description: 'Only arrivals', command: '<%= config.bin %> presence watch | jq -c "select(.event == \\"online\\")"'},
  ]

  static override flags = {...directoryFlags}

  async run(): Promise<void> {
    const directory = await openDirectoryFromFlags(this.flags, this.logger)
    this.lifecycle.onShutdown('directory', () => directory.close())
    const watch = await directory.watch()
    this.logger.info(`watching the ${directory.description}`)
    whenAborted(this.lifecycle.signal, () => void watch.close())
    for await (const change of watch) process.stdout.write(JSON.stringify(changeRecord(change)) + '\n')
    if (watch.dropped > 0) this.logger.warn(`${watch.dropped} change(s) dropped: output was read too slowly`)
  }
}
