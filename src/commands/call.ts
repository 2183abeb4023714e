import {Args} from '@oclif/core'

import {IvcCommand} from '../cli/base-command.js'
import {notImplemented} from '../cli/not-implemented.js'

export default class Call extends IvcCommand<typeof Call> {
  static override summary = 'Call a user by name and run the call until hang-up.'
  static override description = 'Looks the user up in the directory, connects to their call listener, rings, and once accepted runs video, audio and control as separate processes joined by the local Redis bus.'
  static override examples = [
    {description: 'Call bob as alice', command: '<%= config.bin %> call bob --user alice'},
    {description: 'A 10-second call with a JSON summary', command: '<%= config.bin %> call bob --user alice --duration 10 --json'},
  ]

  static override args = {
    name: Args.string({description: 'Who to call: a username in the directory.', required: true}),
  }

  async run(): Promise<void> {
    notImplemented('call', 'calls issue')
  }
}
