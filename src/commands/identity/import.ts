import {readFileSync} from 'node:fs'

import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {IvcCommand} from '../../cli/base-command.js'
import {ivcConfigDir} from '../../foundation/config-dir.js'
import {IvcError} from '../../foundation/errors.js'
import {fingerprint} from '../../security/identity.js'
import {parseIdentity, readIdentity, writeIdentity} from '../../security/identity-file.js'

export default class IdentityImport extends IvcCommand<typeof IdentityImport> {
  static override summary = 'Take an identity printed by `ivc identity export` as the identity of --user.'
  static override description =
    'Reads FILE (or stdin for "-"), checks it is a well-formed identity of --user whose private key matches its public ' +
    'key, and stores it (mode 0600). A user who already has another key keeps it unless --force: peers that pinned ' +
    'the old key will see IDENTITY_CHANGED.'

  static override examples = [
    {description: 'Import from a file', command: '<%= config.bin %> identity import alice.identity --user alice'},
  ]

  static override args = {
    file: Args.string({description: 'The exported identity, or "-" for stdin.', required: true, ignoreStdin: true}),
  }

  static override flags = {
    force: Flags.boolean({default: false, description: 'Replace a different identity this user already has.'}),
  }

  async run(): Promise<void> {
    const user = this.requireUser()
    const {file} = this.args
    let text: string
    try {
      text = readFileSync(file === '-' ? 0 : file, 'utf8')
    } catch (error) {
      throw new IvcError('BAD_USAGE', `cannot read ${file}: ${(error as Error).message}`)
    }

    const parsed = parseIdentity(text)
    if (!parsed.ok) throw new IvcError('BAD_USAGE', `${file === '-' ? 'stdin' : file} is not an ivc identity: ${parsed.reason}`)
    if (parsed.value.user !== user) throw new IvcError('BAD_USAGE', `${file} is the identity of ${parsed.value.user}, not ${user}`)
    const configDir = ivcConfigDir()
    const existing = readIdentity(configDir, user)
    if (existing && existing.identity.publicKey !== parsed.value.identity.publicKey && !this.flags.force) {
      throw new IvcError('BAD_USAGE', `${user} already has another identity (${fingerprint(existing.identity.publicKey)})`, {
        suggestion: 'Add --force to replace it; peers that pinned the old key will then see IDENTITY_CHANGED.',
      })
    }

    writeIdentity(configDir, parsed.value, {exclusive: false})
    const record = {user, fingerprint: fingerprint(parsed.value.identity.publicKey), imported: true}
    this.output(record, () => `${user} ${record.fingerprint} imported\n`)
  }
}
