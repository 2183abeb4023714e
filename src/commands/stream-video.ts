import {IvcCommand} from '../cli/base-command.js'
import {notImplemented} from '../cli/not-implemented.js'

export default class StreamVideo extends IvcCommand<typeof StreamVideo> {
  static override summary = 'Send or receive one video stream over parallel TCP connections.'
  static override description = 'The video component: with --to it captures, encodes and sends frames over N parallel TCP connections (20 by default); with --listen it receives, reorders them in a jitter buffer and plays them. Alone it is a one-way test stream; in a call the call component starts it.'
  static override examples = [
    {description: 'Receive and show video', command: '<%= config.bin %> stream-video --listen'},
    {description: 'Send a synthetic pattern to a host', command: '<%= config.bin %> stream-video --to 10.0.0.5 --source synthetic'},
  ]

  async run(): Promise<void> {
    notImplemented('stream-video', 'video issue')
  }
}
