import {IvcCommand} from '../../cli/base-command.js'
import {ivcConfigDir} from '../../foundation/config-dir.js'
import {formatIdentity, loadOrCreateIdentity} from '../../security/identity-file.js'

export default class IdentityExport extends IvcCommand<typeof IdentityExport> {
  static override summary = 'Print the identity of --user, private key included, to move it to another machine.'
  static override description =
    'Writes the identity file\'s four lines to stdout (format in docs/protocol.md, "Identity keys"). It holds the ' +
    'private key: whoever has it can be this user. Move it over a channel you trust and import it with ' +
    '`ivc identity import`.'

  static override examples = [
    {description: 'Copy alice\'s identity to another host', command: '<%= config.bin %> identity export --user alice | ssh other-host ivc identity import - --user alice'},
  ]

  async run(): Promise<void> {
    const record = loadOrCreateIdentity(ivcConfigDir(), this.requireUser())
    process.stdout.write(formatIdentity(record))
  }
}
