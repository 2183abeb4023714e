import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import type {Bus} from '../bus/bus.js'
import {IvcCommand} from '../cli/base-command.js'
import {IvcError} from '../foundation/errors.js'
import {awaitStartLine, COMPONENT_START_MS, keyOf} from '../call/component-start.js'
import {runControlComponent} from '../call/control-component.js'
import {awaitStartFlag, componentBindFlag, stallTimeoutFlag} from '../call/flags.js'
import {CONTROL_REQUESTS, controlArgs, type ControlRequest, describeRecording, describeStatus, requestCall, requireCallComponent} from '../call/control-client.js'
import {renderCallStats} from '../call/stats-table.js'
import {parseHostPort} from '../transport/target.js'

const ACTIONS = [...Object.keys(CONTROL_REQUESTS), 'watch', 'run'] as const

export default class Control extends IvcCommand<typeof Control> {
  static override summary = 'Drive the running call of a user: accept, hang up, mute, video off, chat, record, stats.'
  static override description =
    'The local handle on a call, over the bus: asks the call component of --user (`ivc listen` or `ivc call`) to ' +
    'accept or reject the ringing call, hang up, turn audio (mute/unmute) or video (video-off/video-on) off and on — ' +
    'the peer is told and shows it — send the peer a text message (`chat TEXT`, shown on both sides as `call.chat`), ' +
    'record the call into a Matroska file (`record start FILE.mkv`, `record stop`; the peer is told; already ' +
    'recording, not recording, or a path that cannot be written: RECORD_FAILED (35)), ' +
    'or print its status and both streams\' live statistics. `watch` prints call ' +
    'events as JSON lines until Ctrl-C. `run` is the control component itself, started by the call component with ' +
    'the call\'s id and secret. Without a running call component, or with a verb that makes no sense now (hang up ' +
    'with no call): NO_CALL (27); a call component that does not answer: BUS_TIMEOUT (11).'

  static override examples = [
    {description: 'What the call of alice is doing', command: '<%= config.bin %> control status --user alice'},
    {description: 'Accept the ringing call of bob', command: '<%= config.bin %> control accept --user bob'},
    {description: 'Mute, then turn video off', command: '<%= config.bin %> control mute --user alice && <%= config.bin %> control video-off --user alice'},
    {description: 'Send bob, who alice is talking to, a text message', command: '<%= config.bin %> control chat "can you hear me?" --user alice'},
    {description: 'Record the call of alice, then stop', command: '<%= config.bin %> control record start call.mkv --user alice && <%= config.bin %> control record stop --user alice'},
    {description: 'Live statistics of both streams as JSON', command: '<%= config.bin %> control stats --user alice --json'},
    {description: 'Follow call events', command: '<%= config.bin %> control watch --user alice'},
  ]

  static override args = {
    action: Args.string({description: 'What to do.', required: true, options: [...ACTIONS], ignoreStdin: true}),
    // Never read from stdin (oclif's default for a missing optional arg): `run` gets its start line there.
    text: Args.string({description: '(chat) The message, 1-2000 characters; quote it. (record) start or stop.', ignoreStdin: true}),
    file: Args.string({description: '(record start) The Matroska file to record the call into, e.g. call.mkv.', ignoreStdin: true}),
  }

  static override flags = {
    'call-id': Flags.string({env: 'IVC_CALL_ID', helpGroup: 'COMPONENT', description: '(run) The call this control component belongs to.'}),
    secret: Flags.string({env: 'IVC_CALL_SECRET', helpGroup: 'COMPONENT', description: '(run) The key of the call\'s control connection (the call component derives it from the call secret): the connection is TLS keyed by it, so the peer must hold it too; pass it as IVC_CALL_SECRET, since a command line is visible to every local user.'}),
    peer: Flags.string({env: 'IVC_PEER', helpGroup: 'COMPONENT', description: '(run) The peer\'s username.'}),
    'control-port': Flags.integer({min: 0, max: 65_535, helpGroup: 'COMPONENT', description: '(run, callee) Listen for the peer\'s control connection here (0: any).'}),
    bind: componentBindFlag('(run, callee) Address to listen on (default: every interface; a call passes its own).'),
    connect: Flags.string({helpGroup: 'COMPONENT', description: '(run, caller) Connect to the peer\'s control component at HOST:PORT.'}),
    'await-start': awaitStartFlag,
    'stall-timeout': stallTimeoutFlag({helpGroup: 'COMPONENT', description: '(run) The call\'s stall timeout: the control connection gives a silent peer up after twice as long (the call component\'s signalling decides first).'}),
  }

  async run(): Promise<unknown> {
    const action = this.args.action as (typeof ACTIONS)[number]
    const extra = controlArgs(action, this.args)
    const bus = await this.connectBus(action === 'run' ? 'control' : 'control-client')
    if (action === 'watch') {
      await bus.subscribe('call', (envelope) => this.output({event: envelope.type, ...envelope.body}, () => `${envelope.type} ${JSON.stringify(envelope.body)}\n`))
      await this.lifecycle.untilStopped()
      return undefined
    }

    if (action === 'run') return this.runComponent(bus)
    await requireCallComponent(bus)
    const result = await requestCall(bus, action as ControlRequest, extra)
    this.output(result, () => (action === 'stats' ? renderCallStats(result) : action === 'chat' ? 'sent\n' : action === 'record' ? describeRecording(result) : describeStatus(result)))
    return result
  }

  private async runComponent(bus: Bus): Promise<void> {
    const {flags} = this
    const started = flags['await-start'] ? awaitStartLine(() => this.lifecycle.supervisorLine()) : undefined
    if (!flags['call-id'] || (!flags.secret && !started) || !flags.peer) throw new IvcError('BAD_USAGE', 'control run needs --call-id, --peer and the secret (IVC_CALL_SECRET)')
    if (!flags.connect && flags['control-port'] === undefined && !started) throw new IvcError('BAD_USAGE', 'control run needs --control-port (callee) or --connect (caller)')
    await bus.startLiveness(3000, {callId: flags['call-id']})
    // Started early by a call: the callee listens at once (connections wait for the key); the caller waits for both.
    let secret: string | Promise<string> = flags.secret ?? keyOf(started)!
    let to = flags.connect
    if (started && flags['control-port'] === undefined) ({secret, to} = await started)
    const connect = to ? parseHostPort(to, 0) : undefined
    if (to && !connect) throw new IvcError('BAD_USAGE', `--connect "${to}" is not HOST:PORT`)
    if (!connect && flags['control-port'] === undefined) throw new IvcError('PROTOCOL_ERROR', 'the start line gave the caller\'s control component no address to connect to')
    await runControlComponent({
      bus,
      logger: this.logger,
      callId: flags['call-id'],
      secret,
      user: this.requireUser(),
      peer: flags.peer,
      listenPort: connect ? undefined : flags['control-port'],
      listenHost: flags.bind ?? '0.0.0.0',
      connect,
      waitForListenerMs: started ? COMPONENT_START_MS : 0,
      stallTimeoutMs: flags['stall-timeout'] * 1000,
      report: (event) => process.stdout.write(JSON.stringify(event) + '\n'),
      signal: this.lifecycle.signal,
    })
  }
}
