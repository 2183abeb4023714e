import * as Flags from '@oclif/core/flags'

import {IvcCommand} from '../cli/base-command.js'
import {primaryAddress} from '../directory/address.js'
import {directoryFlags, openDirectoryFromFlags} from '../directory/flags.js'
import {type PresenceEvent, startPresence} from '../directory/presence-runner.js'

export default class Presence extends IvcCommand<typeof Presence> {
  static override summary = 'Go online: register in the directory and heartbeat until stopped.'
  static override description =
    'Runs the presence component for --user as its own process: registers the user with an address and call port in ' +
    'the directory, heartbeats so a crashed process drops out on its own (after --expiry-ms), publishes presence on the ' +
    'bus, shows in-call while the bus says a call is running, and goes offline on Ctrl-C/SIGTERM. A name online from ' +
    'another address is refused (NAME_TAKEN). With --json, prints one JSON event per line (online, in-call, offline, ...).'

  static override examples = [
    {description: 'Go online as alice (local Redis directory)', command: '<%= config.bin %> presence --user alice'},
    {description: 'Use a shared MongoDB directory', command: '<%= config.bin %> presence --user alice --directory mongodb://db.example:27017/ivc'},
    {description: 'Announce a call port and an explicit address, events as JSON', command: '<%= config.bin %> presence --user alice --address 10.0.0.5 --call-port 7000 --json'},
  ]

  static override flags = {
    ...directoryFlags,
    address: Flags.string({env: 'IVC_ADDRESS', description: 'Address peers reach this host at; default: the primary non-loopback IPv4, else 127.0.0.1.'}),
    'call-port': Flags.integer({env: 'IVC_CALL_PORT', min: 1, max: 65_535, description: 'The call listener port to announce (ivc listen sets it).'}),
  }

  async run(): Promise<void> {
    const name = this.requireUser()
    const directory = await openDirectoryFromFlags(this.flags, this.logger)
    this.lifecycle.onShutdown('directory', () => directory.close())
    const bus = await this.connectBus('presence')
    const ports: Record<string, number> = this.flags['call-port'] ? {call: this.flags['call-port']} : {}
    const presence = await startPresence({
      directory,
      bus,
      registration: {name, address: this.flags.address ?? primaryAddress(), ports, version: this.config.version, identity: this.identity().identity},
      heartbeatMs: this.flags['heartbeat-ms'],
      logger: this.logger,
      onEvent: (event) => this.output(event, () => describe(event)),
    })
    this.logger.info(`${name} is online in the ${directory.description}`)
    await Promise.race([this.lifecycle.untilStopped(), presence.done])
    await presence.stop()
    await presence.done
  }
}

function describe(event: PresenceEvent): string {
  const at = new Date(event.at).toISOString()
  const where = `${event.address}${event.ports.call ? `:${event.ports.call}` : ''}`
  const text = event.reason ? `${event.event}: ${event.reason}` : event.event
  return `${at} ${event.name} ${text} (${where})\n`
}
