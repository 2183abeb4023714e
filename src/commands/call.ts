import {resolve} from 'node:path'

import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {IvcCommand} from '../cli/base-command.js'
import {IvcError} from '../foundation/errors.js'
import {CallProgress} from '../cli/call-progress.js'
import {attachCallTerminal, type CallTerminal, interactive} from '../cli/terminal/call-terminal.js'
import {realClock} from '../foundation/clock.js'
import {callAlone} from '../call/call-alone.js'
import {callThroughListener} from '../call/delegate.js'
import type {CallSummary} from '../call/driver.js'
import {callFlags, listenAddress, mediaPlanFromFlags, peerTrust} from '../call/flags.js'
import {findCallee} from '../call/place-call.js'
import {checkRecordable} from '../call/recording.js'
import {describeCallEvent, describeSummary} from '../call/render.js'
import {endErrorCode} from '../call/steps.js'
import type {EndCode} from '../call/types.js'
import {primaryAddress} from '../directory/address.js'
import {directoryFlags, openDirectoryFromFlags} from '../directory/flags.js'

export default class Call extends IvcCommand<typeof Call> {
  static override summary = 'Call a user by name and run the call until hang-up.'
  static override description =
    'Looks NAME up in the directory, connects to their call listener, rings, and once accepted runs video, audio and ' +
    'control as separate processes joined by the local Redis bus. Runs until either side hangs up, Ctrl-C, or ' +
    '--duration. Progress goes to stderr; with --json the call summary is printed on stdout at the end. Exit codes: ' +
    'UNKNOWN_USER 15, USER_OFFLINE 16, PEER_UNREACHABLE 20, PEER_GONE 21, CALL_REJECTED 24, CALL_BUSY 25, CALL_TIMEOUT 26.'

  static override examples = [
    {description: 'Call bob as alice', command: '<%= config.bin %> call bob --user alice'},
    {description: 'A 10-second call with a JSON summary', command: '<%= config.bin %> call bob --user alice --duration 10 --json'},
    {description: 'Audio only, real microphone and speaker', command: '<%= config.bin %> call bob --user alice --no-video --audio-source mic --audio-sink speaker'},
  ]

  static override args = {
    name: Args.string({description: 'Who to call: a username in the directory.', required: true, ignoreStdin: true}),
  }

  static override flags = {
    ...directoryFlags,
    ...callFlags,
    duration: Flags.integer({env: 'IVC_CALL_DURATION', min: 1, description: 'Hang up after this many seconds with media flowing.'}),
    record: Flags.string({helpValue: 'FILE.mkv', description: 'Record the call, both ways, video and audio as they were coded, into this Matroska file; the peer is told (also when ivc listen places the call). A path that cannot be written: RECORD_FAILED (35).'}),
  }

  async run(): Promise<CallSummary> {
    const user = this.requireUser()
    const {flags} = this
    const address = flags.address ?? primaryAddress()
    // A path that cannot be written fails now, before the peer's phone rings; the call component (this process, or
    // ivc listen) records into it as an absolute path.
    const record = flags.record === undefined ? undefined : resolve(flags.record)
    if (record) await checkRecordable(record)
    const directory = await openDirectoryFromFlags(flags, this.logger)
    this.logger.debug('directory open')
    this.lifecycle.onShutdown('directory', () => directory.close())
    const progress = new CallProgress()
    let callLine: ((line: string) => void) | undefined
    const onEvent = (event: string, body: Record<string, unknown>) => {
      progress.event(event, body)
      const line = event === 'call.media' || event === 'call.stalled' || event === 'call.resumed' || event === 'call.recording' ? describeCallEvent(event, body) : undefined
      if (line) callLine?.(line)
    }

    // A failed lookup is one error line; progress starts once there is someone to call.
    const trust = peerTrust(user, flags['trust-on-first-use'])
    const callee = await findCallee(directory, this.args.name, trust)
    progress.event('lookup')
    this.logger.debug(`${this.args.name} found at ${callee.host}:${callee.port}`)
    // On a terminal the progress ends at media up, and the call terminal (keys, status line) takes over.
    const keys = interactive(flags.json)
    const shown = progress.run(this.args.name, (set) => (callLine = set), {untilMediaUp: keys})
    let summary: CallSummary
    let ended = false
    let terminal: Promise<CallTerminal | undefined> = Promise.resolve(undefined)
    try {
      if (this.lifecycle.stopping) this.exit(0)
      const client = await this.connectBus('call-client')
      this.logger.debug('bus connected')
      if (keys) terminal = shown.then(async () => (ended ? undefined : attachCallTerminal({bus: client, user, input: process.stdin, output: process.stderr, clock: realClock, onInterrupt: () => process.kill(process.pid, 'SIGINT')})))
      summary = (await client.alive('call')).length > 0
        ? await callThroughListener({bus: client, peer: this.args.name, ...callee, durationS: flags.duration, record, signal: this.lifecycle.signal, onEvent})
        : await callAlone({
            bus: await this.connectBus('call'),
            logger: this.logger,
            context: {user, redis: flags.redis, logLevel: flags['log-level'], bind: listenAddress(flags, address), stallTimeoutS: flags['stall-timeout']},
            address,
            answerTimeoutMs: flags.timeout * 1000,
            plan: mediaPlanFromFlags(flags),
            record,
            peer: this.args.name,
            callee,
            identity: this.identity().identity,
            trust,
            durationS: flags.duration,
            signal: this.lifecycle.signal,
            onShutdown: (close) => this.lifecycle.onShutdown('call', close),
            onEvent,
          })
    } catch (error) {
      // The progress display holds stderr until its list ends: end it, so the error line is seen.
      progress.fail(error as Error)
      await shown
      throw error
    } finally {
      ended = true
      await (await terminal)?.close()
    }

    await shown
    this.output(summary, () => describeSummary(summary))
    const failure = endErrorCode(summary.endCode as EndCode)
    if (failure) this.failAfterOutput(new IvcError(failure, summary.endReason))
    return summary
  }
}
