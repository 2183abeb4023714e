import {IvcCommand} from '../cli/base-command.js'
import {notImplemented} from '../cli/not-implemented.js'

export default class Listen extends IvcCommand<typeof Listen> {
  static override summary = 'Wait for calls: go online and answer incoming calls, any number of them.'
  static override description = 'Runs the call component for --user: goes online in the directory, accepts or declines incoming calls (asking on a TTY), starts the media and control components for each call, and returns to listening after every hang-up.'
  static override examples = [
    {description: 'Answer calls as bob, asking each time', command: '<%= config.bin %> listen --user bob'},
    {description: 'Accept every call (scripts)', command: '<%= config.bin %> listen --user bob --auto-accept'},
  ]

  async run(): Promise<void> {
    notImplemented('listen', 'calls issue')
  }
}
