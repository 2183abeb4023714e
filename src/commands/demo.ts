import * as Flags from '@oclif/core/flags'

import {IvcCommand} from '../cli/base-command.js'
import {runSteps} from '../cli/progress.js'
import {type DemoResult, runDemo} from '../call/demo.js'
import {IvcError} from '../foundation/errors.js'
import {defaultVideoSink, DISPLAY_RULE} from '../plugins/display.js'
import {describeSummary, printable} from '../call/render.js'

export default class Demo extends IvcCommand<typeof Demo> {
  static override summary = 'Run a real call between two local users, alice and bob, and show what happened.'
  static override description =
    'Brings up bob (ivc listen, auto-accept) and has alice call him (ivc call) on this host, with every component a ' +
    'real process: presence, call signalling, 20 parallel TCP connections of synthetic video and 10 of a test tone each ' +
    'way, and control. Mid-call alice turns video off and on, then audio off and on; after --duration she hangs up and ' +
    'both sides\' summaries are printed. Uses the Redis of --redis, or starts a private redis-server when none runs. ' +
    `With a display the video plays in ffplay windows titled with the peer's name, side by side; otherwise into null sinks that check every frame (${DISPLAY_RULE}).`

  static override examples = [
    {description: 'A 15-second call', command: '<%= config.bin %> demo'},
    {description: 'Short, with both summaries as JSON', command: '<%= config.bin %> demo --duration 8 --json'},
  ]

  static override flags = {
    duration: Flags.integer({env: 'IVC_DEMO_DURATION', default: 15, min: 3, max: 3600, description: 'Seconds of call with media before alice hangs up.'}),
    'video-sink': Flags.string({env: 'IVC_VIDEO_SINK', description: 'Where the video plays: ffplay or null (default: ffplay with a display, else null).'}),
    'audio-sink': Flags.string({env: 'IVC_AUDIO_SINK', default: 'null', description: 'Where the audio plays: null, ffplay or speaker.'}),
  }

  async run(): Promise<DemoResult> {
    const {flags} = this
    const result = await runDemo({
      redis: flags.redis,
      durationS: flags.duration,
      videoSink: flags['video-sink'] ?? defaultVideoSink(),
      audioSink: flags['audio-sink'],
      logLevel: flags['log-level'],
      logger: this.logger,
      signal: this.lifecycle.signal,
      runSteps,
    })
    const heard = result.bobHeard === undefined ? 'bob never got alice\'s message\n' : `bob got alice's message: ${printable(result.bobHeard)}\n`
    this.output({alice: result.alice, bob: result.bob, bobHeard: result.bobHeard ?? null}, () => `alice: ${describeSummary(result.alice)}bob:   ${describeSummary(result.bob)}${heard}`)
    if (!result.alice || !result.bob) throw new IvcError('PEER_GONE', 'the demo call did not complete')
    return result
  }
}
