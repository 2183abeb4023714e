import {IvcCommand} from '../cli/base-command.js'
import {notImplemented} from '../cli/not-implemented.js'

export default class Presence extends IvcCommand<typeof Presence> {
  static override summary = 'Go online: register in the directory and heartbeat until stopped.'
  static override description = 'Runs the presence component for --user as its own process: registers the user with an address and call port in the directory, heartbeats so a crashed process drops out on its own, publishes presence on the bus, and goes offline on exit.'
  static override examples = [
    {description: 'Go online as alice', command: '<%= config.bin %> presence --user alice'},
    {description: 'Use a shared MongoDB directory', command: '<%= config.bin %> presence --user alice --directory mongodb://db.example:27017/ivc'},
  ]

  async run(): Promise<void> {
    notImplemented('presence', 'presence issue')
  }
}
