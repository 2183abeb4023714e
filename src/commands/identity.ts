import {IvcCommand} from '../cli/base-command.js'
import {ivcConfigDir} from '../foundation/config-dir.js'
import {fingerprint} from '../security/identity.js'
import {identityPath, loadOrCreateIdentity} from '../security/identity-file.js'

export default class Identity extends IvcCommand<typeof Identity> {
  static override summary = 'Show the identity key of --user (created on first use).'
  static override description =
    'Each user has an Ed25519 key pair, kept under the config directory (~/.config/ivc/users/NAME/identity, mode 0600) ' +
    'and created the first time it is needed. Its public key signs the user\'s directory entry and calls; peers pin it. ' +
    'This prints its fingerprint, which a peer can compare with what `ivc trust` or IDENTITY_CHANGED shows them. ' +
    '`ivc identity export` and `ivc identity import` move it to another machine.'

  static override examples = [
    {description: 'Alice\'s fingerprint', command: '<%= config.bin %> identity --user alice'},
    {description: 'As JSON: user, publicKey, fingerprint, file', command: '<%= config.bin %> identity --user alice --json'},
  ]

  async run(): Promise<void> {
    const user = this.requireUser()
    const configDir = ivcConfigDir()
    const {identity} = loadOrCreateIdentity(configDir, user)
    const record = {user, publicKey: identity.publicKey, fingerprint: fingerprint(identity.publicKey), file: identityPath(configDir, user)}
    this.output(record, () => `${record.user} ${record.fingerprint}\n  public key ${record.publicKey}\n  kept in ${record.file}\n`)
  }
}
