import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {IvcCommand} from '../cli/base-command.js'
import {directoryFlags, openDirectoryFromFlags} from '../directory/flags.js'
import {trustPeer} from '../directory/trust-peer.js'
import {ivcConfigDir} from '../foundation/config-dir.js'
import {KnownPeers} from '../security/known-peers.js'

export default class Trust extends IvcCommand<typeof Trust> {
  static override summary = 'Pin the identity key of a peer (accept a new key after IDENTITY_CHANGED).'
  static override description =
    'Calls pin each peer\'s identity key on first use, as SSH pins host keys; a different key later stops the call ' +
    'with IDENTITY_CHANGED. Once you know the peer really has a new key (ask them for `ivc identity`), this pins the ' +
    'key their directory entry has now, or the one given with --key. --verified records that you compared the safety ' +
    'number (`ivc control status` during a call) with them, out loud or in person.'

  static override examples = [
    {description: 'Accept bob\'s new key', command: '<%= config.bin %> trust bob --user alice'},
    {description: 'Mark bob\'s key as compared', command: '<%= config.bin %> trust bob --user alice --verified'},
  ]

  static override args = {
    name: Args.string({description: 'The peer whose key to pin.', required: true, ignoreStdin: true}),
  }

  static override flags = {
    ...directoryFlags,
    verified: Flags.boolean({default: false, description: 'You compared the safety number with the peer: mark the key verified.'}),
    key: Flags.string({description: 'Pin this key (43 base64url characters) instead of the one in the directory.'}),
  }

  async run(): Promise<void> {
    const user = this.requireUser()
    const directory = this.flags.key === undefined ? await openDirectoryFromFlags(this.flags, this.logger) : undefined
    if (directory) this.lifecycle.onShutdown('directory', () => directory.close())
    const result = await trustPeer(directory, new KnownPeers(ivcConfigDir(), user), this.args.name, {verified: this.flags.verified, key: this.flags.key})
    this.output(result, () => `${result.peer} ${result.fingerprint} pinned${result.replaced ? ` (was ${result.replaced})` : ''}${result.verified ? ', verified' : ''}\n`)
  }
}
