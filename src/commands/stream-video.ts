import * as Flags from '@oclif/core/flags'

import {IvcCommand} from '../cli/base-command.js'
import {ADAPT_STRATEGIES, DEFAULT_MAX_LATENCY_MS} from '../adapt/index.js'
import {awaitStartLine, COMPONENT_START_MS, keyOf} from '../call/component-start.js'
import {awaitStartFlag, componentBindFlag} from '../call/flags.js'
import {IvcError} from '../foundation/errors.js'
import {followMediaSwitch, followPeerMedia, type MediaSwitch} from '../media/media-switch.js'
import {standaloneReceiverFormat, VideoDecodeStage} from '../media/video/decode-stage.js'
import {negotiatedFormat, receiverFormat, senderCodec} from '../media/video/formats.js'
import {frameSizeFlag, parseFrameSize} from '../media/video/frame-size.js'
import {DEFAULT_VIDEO_CONNECTIONS, DEFAULT_VIDEO_PORT, receiveVideo, receiverFailure, sendVideo, type VideoHooks, videoTarget} from '../media/video/stream.js'
import {SelfView, selfViewSinkOptions} from '../media/video/self-view.js'
import {statsLine, summaryLine, type VideoStats, videoStatsPublisher} from '../media/video/video-stats.js'
import {peerWindowTitle} from '../media/video/window-labels.js'
import {loadBackends} from '../plugins/index.js'
import {streamSecretFlag} from '../security/flags.js'

export default class StreamVideo extends IvcCommand<typeof StreamVideo> {
  static override summary = 'Send or receive one video stream over parallel TCP connections.'
  static override description = 'The video component: with --to it captures, encodes and sends frames over N parallel TCP connections (20 by default); with --listen it receives, reorders them in a jitter buffer and plays them. Alone it is a one-way test stream; in a call the call component starts it. Stats once a second on stderr (NDJSON on stdout with --json), a summary at the end.'
  static override examples = [
    {description: 'Receive and show video', command: '<%= config.bin %> stream-video --listen'},
    {description: 'Send a synthetic pattern to a host', command: '<%= config.bin %> stream-video --to 10.0.0.5 --source synthetic'},
    {description: 'Receive on a free port, verify order, JSON out', command: '<%= config.bin %> stream-video --listen --port 0 --sink null --duration 8 --json'},
    {description: 'Send the webcam at 1280x720', command: '<%= config.bin %> stream-video --to 10.0.0.5:12345 --source camera --device 0 --size 1280x720'},
    {description: 'Record what arrives', command: '<%= config.bin %> stream-video --listen --sink file --device call.avi'},
    {description: 'Send with the seed\'s frame-size rule and its 90 ms bound (--adapt off: no adaptation)', command: '<%= config.bin %> stream-video --to 10.0.0.5 --adapt seed --max-latency 90'},
  ]

  static override flags = {
    to: Flags.string({env: 'IVC_VIDEO_TO', description: `Send to HOST[:PORT] (default port ${DEFAULT_VIDEO_PORT}).`, exclusive: ['listen']}),
    listen: Flags.boolean({env: 'IVC_VIDEO_LISTEN', default: false, description: 'Receive and play a stream.'}),
    port: Flags.integer({env: 'IVC_VIDEO_PORT', default: DEFAULT_VIDEO_PORT, min: 0, max: 65_535, description: 'Port to listen on with --listen (0: any free port, printed on stderr).'}),
    bind: componentBindFlag('Address to listen on with --listen (default: every interface; a call passes its own).'),
    source: Flags.string({env: 'IVC_VIDEO_SOURCE', default: 'synthetic', description: 'Video source backend: synthetic, camera, file.'}),
    sink: Flags.string({env: 'IVC_VIDEO_SINK', default: 'ffplay', description: 'Video sink backend: ffplay, null, file, ui (the page of ivc ui).'}),
    codec: Flags.string({env: 'IVC_VIDEO_CODEC', default: 'jpeg', description: 'Video codec: jpeg, h264 or vp8 (need node-av, see `ivc doctor`; bitrate set by adaptation, keyframes on request) or raw. The receiver decodes with it too (in a call, with the one the peer\'s offer names).'}),
    size: frameSizeFlag({env: 'IVC_VIDEO_SIZE', default: '640x480', description: 'Frame size WxH (the camera is asked for it; other sources are scaled).'}),
    fps: Flags.integer({env: 'IVC_VIDEO_FPS', default: 30, min: 1, max: 120, description: 'Frames per second to capture.'}),
    quality: Flags.integer({env: 'IVC_VIDEO_QUALITY', default: 80, min: 1, max: 100, description: 'JPEG quality (the best adaptation uses).'}),
    adapt: Flags.option({options: ADAPT_STRATEGIES, env: 'IVC_VIDEO_ADAPT', default: 'gcc' as const, description: 'Adaptation: gcc (delay-based rate control), seed (the paper\'s frame-size rule) or off.'})(),
    'max-latency': Flags.integer({env: 'IVC_VIDEO_MAX_LATENCY', default: DEFAULT_MAX_LATENCY_MS, min: 10, max: 10_000, description: 'Latency bound, ms, that adaptation keeps frames under.'}),
    connections: Flags.integer({env: 'IVC_VIDEO_CONNECTIONS', default: DEFAULT_VIDEO_CONNECTIONS, min: 1, max: 64, description: 'Parallel TCP connections.'}),
    duration: Flags.integer({env: 'IVC_VIDEO_DURATION', min: 1, description: 'Stop after this many seconds.'}),
    device: Flags.string({env: 'IVC_VIDEO_DEVICE', description: 'Camera index or /dev/videoN (--source camera), or a file path (--source file, --sink file).'}),
    'self-view': Flags.boolean({env: 'IVC_SELF_VIEW', default: false, description: 'With --to: show what is sent in a window of its own, half size, beside the others (needs a display).'}),
    'self-view-sink': Flags.option({options: ['ffplay', 'ui'] as const, default: 'ffplay' as const, description: 'Where --self-view shows: ffplay (the window) or ui (the page of ivc ui, over its socket).'})(),
    peer: Flags.string({env: 'IVC_PEER', description: 'With --listen: whose video this is (set by the call component): titles the window "ivc - PEER" and labels the still shown while the peer has video off.'}),
    'call-id': Flags.string({env: 'IVC_CALL_ID', description: 'The call this stream belongs to (set by the call component).'}),
    secret: streamSecretFlag(),
    'await-start': awaitStartFlag,
  }

  #sending: MediaSwitch | undefined

  async run(): Promise<VideoStats> {
    const {flags} = this
    if (!flags.listen && !flags.to && !flags['await-start']) throw new IvcError('BAD_USAGE', 'say where the stream goes: --to HOST[:PORT] or --listen')
    const started = flags['await-start'] ? awaitStartLine(() => this.lifecycle.supervisorLine()) : undefined
    const size = parseFrameSize(flags.size)
    if (flags.duration) setTimeout(() => this.lifecycle.stop('duration'), flags.duration * 1000).unref()
    const backends = await loadBackends(this.config)
    const options = {...size, fps: flags.fps, quality: flags.quality, device: flags.device, path: flags.device, logger: this.logger}
    const hooks = await this.hooks()
    if (flags.listen) {
      const sink = await backends.create('video-sink', flags.sink, {...options, window: {title: peerWindowTitle(flags.peer)}})
      const flagFormat = started ? receiverFormat(flags.codec) : await standaloneReceiverFormat(flags.codec, sink, backends)
      // In a call the peer's format comes with the start line; until then the decoder warms the one this side offered.
      const decoder = new VideoDecodeStage({format: started ? started.then((line) => negotiatedFormat(line.format, flagFormat)) : flagFormat, expected: flagFormat, sink, codecs: backends, codecOptions: options})
      const onListening = (port: number) => (flags.json ? this.output({event: 'listening', port}) : process.stderr.write(`listening for video on port ${port}\n`))
      const result = await receiveVideo({port: flags.port, host: flags.bind, secret: flags.secret ?? keyOf(started), decoder, sink, onListening, onFirstFrame: () => (flags.json ? this.output({event: 'first-frame'}) : this.logger.info('first video frame')), peer: flags.peer}, hooks)
      this.output(result.stats, () => summaryLine(result.stats))
      const failure = receiverFailure(result)
      if (failure) this.failAfterOutput(failure)
      return result.stats
    }

    // In a call the codec (OpenCV: native, ~0.5-1 s) and the source load while the call is still being agreed, before
    // the start line is taken: whatever is opened here is closed however the wait ends (stdin closed, a bad line,
    // SIGTERM), and by sendVideo once it runs.
    const codec = await backends.create('video-codec', flags.codec, options)
    const source = await backends.create('video-source', flags.source, options)
    const closeSource = this.lifecycle.onShutdown('video source', () => source.close())
    const selfView = flags['self-view'] ? new SelfView(await backends.create('video-sink', flags['self-view-sink'], {...options, ...selfViewSinkOptions(flags['self-view-sink'], flags.user)}), this.logger) : undefined
    if (started) this.logger.debug('video sender: codec and source ready, taking the start line')
    const start = await started
    if (started) this.logger.debug('video sender: start line taken')
    if (start?.off) this.#sending?.turn(false)
    const target = videoTarget(start?.to ?? flags.to!)
    closeSource()
    // In a call the start line names the format agreed on: the codec loaded above writes it, unless the peer took another.
    const sending = senderCodec(start?.format, flags.codec)
    const sent = await sendVideo({...target, connections: flags.connections, secret: start?.secret ?? flags.secret, waitForListenerMs: start ? COMPONENT_START_MS : 0, source, codec: sending === flags.codec ? codec : await backends.create('video-codec', sending, options), fps: flags.fps, adapt: {strategy: flags.adapt, maxLatencyMs: flags['max-latency'], quality: flags.quality}, selfView}, hooks)
    this.output(sent.stats, () => summaryLine(sent.stats))
    if (sent.end === 'peer-gone') this.failAfterOutput(new IvcError('PEER_GONE', 'the receiver closed every video connection'))
    return sent.stats
  }

  async hooks(): Promise<VideoHooks> {
    const bus = this.flags.user ? await this.connectBus('stream-video') : undefined
    const callId = this.flags['call-id']
    const publish = videoStatsPublisher(bus, callId, this.logger)
    return {
      logger: this.logger,
      signal: this.lifecycle.signal,
      sending: (this.#sending = await followMediaSwitch(bus, callId, 'video')),
      followPeerVideo: (listener) => void followPeerMedia(bus, callId, 'video', listener),
      onShutdown: (name, close) => this.lifecycle.onShutdown(name, close),
      onStats: (stats, recent, codec) => {
        if (this.flags.json) this.output({event: 'stats', ...stats, recent})
        process.stderr.write(statsLine(stats, recent) + '\n')
        void publish(stats, codec)
      },
    }
  }
}
