import {IvcCommand} from '../cli/base-command.js'
import {notImplemented} from '../cli/not-implemented.js'

export default class StreamAudio extends IvcCommand<typeof StreamAudio> {
  static override summary = 'Send or receive one audio stream over parallel TCP connections.'
  static override description = 'The audio component: with --to it captures 20 ms frames of 48 kHz mono audio and sends them over N parallel TCP connections (10 by default); with --listen it receives them into an adaptive jitter buffer and plays them.'
  static override examples = [
    {description: 'Receive and play audio', command: '<%= config.bin %> stream-audio --listen'},
    {description: 'Send a test tone to a host', command: '<%= config.bin %> stream-audio --to 10.0.0.5 --source tone'},
  ]

  async run(): Promise<void> {
    notImplemented('stream-audio', 'audio issue')
  }
}
