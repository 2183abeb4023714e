import * as Flags from '@oclif/core/flags'

import {Bus} from '../bus/bus.js'
import {IvcCommand} from '../cli/base-command.js'
import {attachCallTerminal, type CallTerminal, interactive} from '../cli/terminal/call-terminal.js'
import {realClock} from '../foundation/clock.js'
import {componentMedia} from '../call/component-media.js'
import {tcpSignalling} from '../call/connections.js'
import {CallDriver} from '../call/driver.js'
import {callFlags, DEFAULT_CALL_PORT, listenAddress, mediaPlanFromFlags, peerTrust} from '../call/flags.js'
import {answerIncoming} from '../call/incoming.js'
import {hangUpOnInterrupt} from '../call/interrupt.js'
import {describeCallEvent} from '../call/render.js'
import {serveCallRequests} from '../call/serve-requests.js'
import {primaryAddress} from '../directory/address.js'
import {directoryFlags, openDirectoryFromFlags} from '../directory/flags.js'
import {type PresenceHandle, startPresence} from '../directory/presence-runner.js'

export default class Listen extends IvcCommand<typeof Listen> {
  static override summary = 'Wait for calls: go online and answer incoming calls, any number of them.'
  static override description =
    'Runs the call component for --user: listens for calls on --port, goes online in the directory with that port, ' +
    'asks on a TTY whether to accept each incoming call (or follows --auto-accept / --auto-reject, or `ivc control ' +
    'accept`), runs video, audio and control as child processes during the call, and returns to listening after every ' +
    'hang-up. Ctrl-C hangs up the call in progress and keeps listening; Ctrl-C with no call quits. With --json, ' +
    'every call event is a JSON line on stdout; `call.ended` carries the call summary.'

  static override examples = [
    {description: 'Answer calls as bob, asking each time', command: '<%= config.bin %> listen --user bob'},
    {description: 'Accept every call, events as JSON (scripts)', command: '<%= config.bin %> listen --user bob --auto-accept --json'},
    {description: 'Audio only, on any free port', command: '<%= config.bin %> listen --user bob --no-video --port 0'},
  ]

  static override flags = {
    ...directoryFlags,
    ...callFlags,
    port: Flags.integer({env: 'IVC_CALL_PORT', default: DEFAULT_CALL_PORT, min: 0, max: 65_535, description: 'Port for incoming calls (0: any free one; the directory gets the real one).'}),
    'auto-accept': Flags.boolean({env: 'IVC_AUTO_ACCEPT', default: false, exclusive: ['auto-reject'], description: 'Accept every incoming call without asking.'}),
    'auto-reject': Flags.boolean({env: 'IVC_AUTO_REJECT', default: false, description: 'Decline every incoming call without asking.'}),
  }

  async run(): Promise<void> {
    const user = this.requireUser()
    const {flags} = this
    const bus = await this.connectBus('call')
    await bus.startLiveness()
    const directory = await openDirectoryFromFlags(flags, this.logger)
    this.lifecycle.onShutdown('directory', () => directory.close())
    const address = flags.address ?? primaryAddress()
    const bind = listenAddress(flags, address)
    let presence: PresenceHandle | undefined
    let terminal: CallTerminal | undefined
    const auto = flags['auto-accept'] ? 'accept' : flags['auto-reject'] ? 'reject' : undefined
    const {identity} = this.identity()
    const driver: CallDriver = new CallDriver({
      user,
      bus,
      logger: this.logger,
      address,
      identity,
      trust: peerTrust(user, flags['trust-on-first-use']),
      answerTimeoutMs: flags.timeout * 1000,
      stallTimeoutMs: flags['stall-timeout'] * 1000,
      network: tcpSignalling({logger: this.logger, clock: realClock, bindHost: bind, identity, stallTimeoutMs: flags['stall-timeout'] * 1000}),
      media: componentMedia({logger: this.logger, plan: mediaPlanFromFlags(flags), context: {user, redis: flags.redis, logLevel: flags['log-level'], bind, stallTimeoutS: flags['stall-timeout']}}),
      clock: realClock,
      // In-call in the directory as soon as the call starts (presence also follows call.state on the bus).
      onPresence: (status) => {
        if (status !== 'offline') presence?.setStatus(status).catch((error: Error) => this.logger.warn(`presence: ${error.message}`))
      },
      onEvent: (event, body) => {
        this.output({event, ...body}, () => '')
        // On a terminal, the call terminal prints the events above its status line.
        const line = describeCallEvent(event, body)
        if (line && !flags.json && !terminal) process.stderr.write(`${line}\n`)
        if (event === 'call.incoming') answerIncoming(driver, body, {auto, ask: !terminal, logger: this.logger})
      },
    })
    this.lifecycle.onShutdown('calls', () => driver.shutdown())
    // Ctrl-C during a call hangs it up and keeps listening; with no call in progress it quits.
    this.lifecycle.onInterrupt(() => {
      const hungUp = hangUpOnInterrupt(driver)
      if (hungUp && !flags.json && !terminal) process.stderr.write('hanging up (Ctrl-C); still listening, Ctrl-C again to quit\n')
      return hungUp
    })
    const port = await driver.listen(flags.port)
    await driver.subscribeControl()
    await serveCallRequests(bus, driver)
    // Presence is its own component on the bus (it answers presence.* requests), so it gets its own connection.
    const presenceBus = await Bus.connect({redis: flags.redis, user, component: 'presence', logger: this.logger})
    this.lifecycle.onShutdown('presence bus', () => presenceBus.close())
    presence = await startPresence({
      directory,
      bus: presenceBus,
      registration: {name: user, address, ports: {call: port}, version: this.config.version, identity},
      heartbeatMs: flags['heartbeat-ms'],
      logger: this.logger,
    })
    this.lifecycle.onShutdown('presence', () => presence.stop())
    this.output({event: 'listening', user, address, port}, () => '')
    if (!flags.json) process.stderr.write(`${user} is listening for calls on ${address}:${port}\n`)
    if (interactive(flags.json) && !auto) {
      terminal = await attachCallTerminal({bus: await this.connectBus('call-terminal'), user, input: process.stdin, output: process.stderr, clock: realClock, onInterrupt: () => process.kill(process.pid, 'SIGINT')})
      this.lifecycle.onShutdown('terminal', () => terminal!.close())
    }

    await Promise.race([this.lifecycle.untilStopped(), presence.done])
  }
}
