import {IvcCommand} from '../cli/base-command.js'
import {notImplemented} from '../cli/not-implemented.js'

export default class Control extends IvcCommand<typeof Control> {
  static override summary = 'Drive the running call of a user: accept, hang up, mute, video off, stats.'
  static override description = 'The local handle on a call, over the bus: ask the running call component of --user to accept or reject an incoming call, hang up, toggle audio or video, or print live statistics.'
  static override examples = [
    {description: 'Hang up the call of alice', command: '<%= config.bin %> control hangup --user alice'},
    {description: 'Live statistics of both streams as JSON', command: '<%= config.bin %> control stats --user alice --json'},
  ]

  static override strict = false

  async run(): Promise<void> {
    notImplemented('control', 'calls issue')
  }
}
