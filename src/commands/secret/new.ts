import {IvcCommand} from '../../cli/base-command.js'
import {newStreamSecret} from '../../security/stream-secret.js'

export default class SecretNew extends IvcCommand<typeof SecretNew> {
  static override summary = 'Make a key for a standalone encrypted stream (--secret).'
  static override description = 'Prints a fresh random 256-bit key in the one format `stream-video` and `stream-audio` take as --secret (IVC_MEDIA_SECRET): "ivc1-" and 48 base64url characters (the key and a checksum). Give the same key to both ends, through the environment or a file only you can read, never on a command line: other local users can read command lines. Calls need no key: they agree on their own.'
  static override examples = [
    {description: 'Keep a key in a file only you can read', command: '(umask 077; <%= config.bin %> secret new > ~/.ivc-stream-key)'},
    {description: 'Encrypt a stream with it (the same on the sender, with --to HOST)', command: 'IVC_MEDIA_SECRET=$(cat ~/.ivc-stream-key) <%= config.bin %> stream-video --listen'},
    {description: 'As JSON', command: '<%= config.bin %> secret new --json'},
  ]

  async run(): Promise<void> {
    const made = {secret: newStreamSecret()}
    this.output(made, () => `${made.secret}\n`)
  }
}
