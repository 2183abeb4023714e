import * as Flags from '@oclif/core/flags'

import {awaitStartLine, COMPONENT_START_MS, keyOf} from '../call/component-start.js'
import {awaitStartFlag, componentBindFlag} from '../call/flags.js'
import {IvcCommand} from '../cli/base-command.js'
import {IvcError} from '../foundation/errors.js'
import {DEFAULT_AUDIO_CONNECTIONS, DEFAULT_AUDIO_PORT} from '../media/audio/format.js'
import {receiverStatsLine} from '../media/audio/receiver.js'
import {codecByFormat} from '../media/audio/stream-formats.js'
import {senderStatsLine} from '../media/audio/sender.js'
import {audioTarget, receiveAudio, sendAudio, type StreamHooks} from '../media/audio/stream.js'
import type {AudioSummary} from '../media/audio/summary.js'
import {followMediaSwitch, type MediaSwitch} from '../media/media-switch.js'
import {loadBackends} from '../plugins/index.js'
import {streamSecretFlag} from '../security/flags.js'

export default class StreamAudio extends IvcCommand<typeof StreamAudio> {
  static override summary = 'Send or receive one audio stream over parallel TCP connections.'
  static override description = 'The audio component: with --to it captures 20 ms frames of 48 kHz mono audio and sends them over N parallel TCP connections (10 by default); with --listen it receives them into an adaptive jitter buffer and plays them. Stats once a second on stderr (NDJSON on stdout with --json), a summary at the end.'
  static override examples = [
    {description: 'Receive and play audio', command: '<%= config.bin %> stream-audio --listen'},
    {description: 'Send a test tone to a host', command: '<%= config.bin %> stream-audio --to 10.0.0.5 --source tone'},
    {description: 'Receive on a free port, verify the tone, JSON out', command: '<%= config.bin %> stream-audio --listen --port 0 --sink null --duration 8 --json'},
    {description: 'Send the microphone', command: '<%= config.bin %> stream-audio --to 10.0.0.5:12346 --source mic --device default'},
    {description: 'Record what arrives', command: '<%= config.bin %> stream-audio --listen --sink file --file call.wav'},
  ]

  static override flags = {
    to: Flags.string({env: 'IVC_AUDIO_TO', description: `Send to HOST[:PORT] (default port ${DEFAULT_AUDIO_PORT}).`, exclusive: ['listen']}),
    listen: Flags.boolean({env: 'IVC_AUDIO_LISTEN', default: false, description: 'Receive and play a stream.'}),
    bind: componentBindFlag('Address to listen on with --listen (default: every interface; a call passes its own).'),
    port: Flags.integer({env: 'IVC_AUDIO_PORT', default: DEFAULT_AUDIO_PORT, min: 0, max: 65_535, description: 'Port to listen on with --listen (0: any free port).'}),
    source: Flags.string({env: 'IVC_AUDIO_SOURCE', default: 'tone', description: 'Audio source backend: tone, file, mic.'}),
    sink: Flags.string({env: 'IVC_AUDIO_SINK', default: 'speaker', description: 'Audio sink backend: speaker, ffplay, null, file, ui (the page of ivc ui).'}),
    codec: Flags.string({env: 'IVC_AUDIO_CODEC', default: 'pcm', options: ['pcm', 'opus'], description: 'Audio codec: pcm, or opus (32 kbit/s; needs node-av, see `ivc doctor`). The receiver decodes with it too.'}),
    connections: Flags.integer({env: 'IVC_AUDIO_CONNECTIONS', default: DEFAULT_AUDIO_CONNECTIONS, min: 1, max: 64, description: 'Parallel TCP connections.'}),
    duration: Flags.integer({env: 'IVC_AUDIO_DURATION', min: 1, description: 'Stop after this many seconds.'}),
    frequency: Flags.integer({env: 'IVC_AUDIO_FREQUENCY', default: 440, min: 1, max: 23_999, description: 'Tone frequency in Hz (--source tone).'}),
    device: Flags.string({env: 'IVC_AUDIO_DEVICE', description: 'Microphone or speaker: index or part of the name (`ivc devices`).'}),
    file: Flags.string({env: 'IVC_AUDIO_FILE', description: 'WAV/PCM file for --source file or --sink file.'}),
    'call-id': Flags.string({env: 'IVC_CALL_ID', description: 'The call this stream belongs to (set by the call component).'}),
    secret: streamSecretFlag(),
    'await-start': awaitStartFlag,
  }

  #sending: MediaSwitch | undefined

  async run(): Promise<AudioSummary> {
    const {flags} = this
    if (!flags.listen && !flags.to && !flags['await-start']) throw new IvcError('BAD_USAGE', 'say where the stream goes: --to HOST[:PORT] or --listen')
    const started = flags['await-start'] ? awaitStartLine(() => this.lifecycle.supervisorLine()) : undefined
    // Real time, not a Clock: the command's --duration deadline, set before anything is wired.
    if (flags.duration) setTimeout(() => this.lifecycle.stop('duration'), flags.duration * 1000).unref()
    const backends = await loadBackends(this.config)
    const options = {frequency: flags.frequency, device: flags.device, path: flags.file, logger: this.logger}
    const hooks = await this.hooks()
    // --codec's loads now; in a call the start line names the format the call agreed on, whose codec is used.
    const codecOf = codecByFormat(flags.codec, (codec) => backends.create('audio-codec', codec, options))
    let summary: AudioSummary
    if (flags.listen) {
      const sink = await backends.create('audio-sink', flags.sink, options)
      const onListening = (port: number) => (flags.json ? this.output({event: 'listening', port}) : this.logger.warn(`listening for audio on port ${port}`))
      const onFirstFrame = () => (flags.json ? this.output({event: 'first-frame'}) : this.logger.info('first audio frame'))
      const codec = started ? started.then((line) => codecOf(line.format)) : codecOf()
      // Connections wait for the key: given once the codec is there too, so no frame comes before its decoder.
      const secret = flags.secret ?? (started ? Promise.all([keyOf(started)!, codec]).then(([key]) => key) : undefined)
      summary = await receiveAudio({port: flags.port, host: flags.bind, secret, sink, codec, onListening, onFirstFrame}, hooks)
    } else {
      // In a call the source (for the mic, a PortAudio helper process) opens while the call is still being agreed,
      // before the start line is taken: it is closed however the wait ends (stdin closed, a bad line, SIGTERM), or
      // the connection fails. Closing an audio source twice is harmless (sendAudio closes it too).
      const source = await backends.create('audio-source', flags.source, options)
      this.lifecycle.onShutdown('audio source', () => source.close())
      if (started) this.logger.debug('audio sender: source ready, taking the start line')
      const start = await started
      if (started) this.logger.debug('audio sender: start line taken')
      if (start?.off) this.#sending?.turn(false)
      const target = audioTarget(start?.to ?? flags.to!)
      const codec = await codecOf(start?.format)
      const sent = await sendAudio({...target, connections: flags.connections, secret: start?.secret ?? flags.secret, waitForListenerMs: start ? COMPONENT_START_MS : 0, source, codec}, hooks)
      summary = sent.summary
      if (sent.peerGone) {
        this.output(summary, () => render(summary))
        this.failAfterOutput(new IvcError('PEER_GONE', 'the receiver closed every audio connection'))
        return summary
      }
    }

    this.output(summary, () => render(summary))
    return summary
  }

  async hooks(): Promise<StreamHooks> {
    const bus = this.flags.user ? await this.connectBus('stream-audio') : undefined
    const callId = this.flags['call-id']
    return {
      logger: this.logger,
      signal: this.lifecycle.signal,
      sending: (this.#sending = await followMediaSwitch(bus, callId, 'audio')),
      onShutdown: (name, close) => this.lifecycle.onShutdown(name, close),
      onStats: (event) => {
        if (this.flags.json) this.output(event)
        else process.stderr.write((event.role === 'receiver' ? receiverStatsLine(event) : senderStatsLine(event)) + '\n')
        // State first, then the event (as stream-video): `ivc control stats` reads the state hash.
        bus
          ?.setState({[String(event.role)]: event, callId: callId ?? null})
          .then(() => bus.publish('audio-stats', 'audio.stats', event, {callId}))
          .catch((error: Error) => this.logger.debug(`publishing stats: ${error.message}`))
      },
    }
  }
}

function render(summary: AudioSummary): string {
  const {latencyMs: latency} = summary
  return `${summary.role} (${summary.codec}): ${summary.frames} frames, ${summary.kbps} kbit/s, latency p50 ${latency.p50} / p95 ${latency.p95} / max ${latency.max} ms, jitter ${summary.jitterMs} ms, underruns ${summary.underruns}, concealed ${summary.concealed}, late ${summary.late}\n`
}
