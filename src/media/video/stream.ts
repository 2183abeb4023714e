import {recordTapFromEnv} from '../record-tap.js'
import {AdaptController, type AdaptStrategy, DEFAULT_MAX_LATENCY_MS} from '../../adapt/index.js'
import {whenAborted} from '../../foundation/abort.js'
import {type Clock, realClock} from '../../foundation/clock.js'
import {IvcError} from '../../foundation/errors.js'
import type {Logger} from '../../foundation/logger.js'
import {MediaReceiver, MediaSender} from '../../transport/index.js'
import {parseHostPort, streamTarget} from '../../transport/target.js'
import type {VideoCodec, VideoSink, VideoSource} from '../types.js'
import type {VideoDecodeStage} from './decode-stage.js'
import {type ReceiverEnd, VideoReceiverPipeline} from './receiver-pipeline.js'
import type {SelfView} from './self-view.js'
import {VideoSenderPipeline} from './sender-pipeline.js'
import {type RecentVideoStats, roundStats, type VideoStats} from './video-stats.js'
import {peerVideoOffLabel} from './window-labels.js'

export const DEFAULT_VIDEO_PORT = 12_345
export const DEFAULT_VIDEO_CONNECTIONS = 20

/** What a running stream reports to whoever runs it (the command, or the call component). */
export interface VideoHooks {
  logger: Logger
  signal: AbortSignal
  onShutdown(name: string, close: () => unknown): void
  /**
   * Once a second: cumulative stats plus the last second's fps and kbit/s, and the codec the stream is in (jpeg, h264,
   * vp8, raw; a receiver's once its format is known), which the bus's stats carry and the summary does not.
   */
  onStats?(stats: VideoStats, recent: RecentVideoStats, codec: string | undefined): void
  /** In a call: whether the user has video on (video off sends nothing). */
  sending?: () => boolean
  /** Default realClock. */
  clock?: Clock
  /** A receiver in a call: `listener` hears each time the peer turns video off or on. */
  followPeerVideo?(listener: (on: boolean) => void): void
}

/** `HOST[:PORT]` for video, default port 12345. */
export function parseVideoTarget(target: string, defaultPort = DEFAULT_VIDEO_PORT): {host: string; port: number} | undefined {
  return parseHostPort(target, defaultPort)
}

/** `--to` (or the start line's destination) as host and port; BAD_USAGE if it is not HOST[:PORT]. */
export function videoTarget(to: string): {host: string; port: number} {
  return streamTarget(to, DEFAULT_VIDEO_PORT)
}

/** How the sender adapts (issue 8): `--adapt` and `--max-latency`; the top of the ladder is the source at `--quality`. */
export interface VideoAdaptOptions {
  strategy: AdaptStrategy
  maxLatencyMs?: number
  quality: number
}

export async function sendVideo(
  options: {host: string; port: number; connections: number; secret?: string; waitForListenerMs?: number; source: VideoSource; codec: VideoCodec; fps: number; adapt: VideoAdaptOptions; selfView?: SelfView},
  hooks: VideoHooks,
): Promise<{stats: VideoStats; end: 'stopped' | 'source-ended' | 'peer-gone'}> {
  const {source, adapt} = options
  const clock = hooks.clock ?? realClock
  // The source is open already: closed on shutdown even if no connection ever comes up.
  hooks.onShutdown('video source', () => source.close())
  const sender = await MediaSender.connect({clock, host: options.host, port: options.port, kind: 'video', connections: options.connections, secret: options.secret, waitForListenerMs: options.waitForListenerMs, startOnFirstConnection: (options.waitForListenerMs ?? 0) > 0, logger: hooks.logger})
  hooks.onShutdown('video sender', () => sender.close())
  if (options.selfView) hooks.onShutdown('self-view', () => options.selfView!.close())
  const top = {width: source.width, height: source.height, fps: options.fps, quality: adapt.quality}
  const controller = new AdaptController({strategy: adapt.strategy, top, maxLatencyMs: adapt.maxLatencyMs ?? DEFAULT_MAX_LATENCY_MS})
  const record = recordTapFromEnv('sent-video', process.env, clock)
  if (record) hooks.onShutdown('recording', () => record.close())
  const pipeline = new VideoSenderPipeline({source, codec: options.codec, sender, fps: options.fps, logger: hooks.logger, signal: hooks.signal, sending: hooks.sending, controller, clock, selfView: options.selfView, record})
  const ticker = clock.setInterval(() => hooks.onStats?.(roundStats(pipeline.stats()), pipeline.recent(), options.codec.name), 1000)
  try {
    const end = await pipeline.run()
    const {honoured, ignored} = pipeline.keyframes
    if (honoured + ignored > 0) hooks.logger.info(`keyframe requests from the receiver: ${honoured} honoured, ${ignored} ignored (sent before a keyframe arrived, repeated, or one already due)`)
    const stats = roundStats(pipeline.stats())
    if (end !== 'peer-gone') await sender.end()
    return {stats, end}
  } finally {
    clock.clearTimeout(ticker)
    sender.close()
  }
}

export async function receiveVideo(
  options: {port: number; host?: string; secret?: string | Promise<string>; decoder: VideoDecodeStage; sink: VideoSink; onListening?(port: number): void; onFirstFrame?(): void; peer?: string},
  hooks: VideoHooks,
): Promise<{stats: VideoStats; end: ReceiverEnd; sinkError?: Error}> {
  const clock = hooks.clock ?? realClock
  const receiver = await MediaReceiver.listen({clock, port: options.port, host: options.host, kind: 'video', secret: options.secret, logger: hooks.logger})
  hooks.onShutdown('video receiver', () => receiver.close())
  hooks.onShutdown('video sink', () => options.sink.close())
  options.onListening?.(receiver.port)
  // The port first: it is what a call waits for; the decoder (OpenCV or node-av, ~0.3 s) loads while the sender starts.
  clock.setTimeout(() => options.decoder.prepare(), 0)
  receiver.once('frame', () => options.onFirstFrame?.())
  receiver.on('stream-start', ({remoteAddress, connections}) => hooks.logger.info(`video stream from ${remoteAddress} over ${connections} connections`))
  const record = recordTapFromEnv('received-video', process.env, clock)
  if (record) hooks.onShutdown('recording', () => record.close())
  const pipeline = new VideoReceiverPipeline({receiver, decoder: options.decoder, sink: options.sink, logger: hooks.logger, clock, record})
  hooks.followPeerVideo?.((on) => {
    hooks.logger.info(on ? 'the peer turned video on' : 'the peer turned video off: showing a still')
    if (on) pipeline.videoOn()
    else pipeline.videoOff(peerVideoOffLabel(options.peer))
  })
  let codec: string | undefined
  void options.decoder.codecName().then((name) => (codec = name), () => undefined)
  const ticker = clock.setInterval(() => hooks.onStats?.(roundStats(pipeline.stats()), pipeline.recent(clock.monotonicUs()), codec), 1000)
  const stopListening = whenAborted(hooks.signal, () => void pipeline.stop())
  try {
    const end = await pipeline.ended
    await receiver.close()
    await options.sink.close()
    const report = options.sink.report
    hooks.logger.info(`video feedback: ${pipeline.feedbackSent} reports sent to the sender`)
    if (pipeline.stills > 0) hooks.logger.info(`video-off stills shown: ${pipeline.stills}`)
    const keyframes = pipeline.keyframes
    if (keyframes.requests + keyframes.skipped > 0) hooks.logger.info(`keyframe requests sent: ${keyframes.requests}; frames skipped waiting for a keyframe: ${keyframes.skipped}`)
    if (report.verified !== undefined) hooks.logger.info(`video sink ${options.sink.name}: ${report.verified} stamps verified, ${report.unreadable ?? 0} unreadable, ${report.outOfOrder ?? 0} out of order, ${report.repeated ?? 0} repeated`)
    return {stats: roundStats(pipeline.stats()), end, sinkError: pipeline.sinkError}
  } finally {
    clock.clearTimeout(ticker)
    stopListening()
  }
}

/** The error to exit with after a receiver's summary, if any. */
export function receiverFailure(result: {end: ReceiverEnd; sinkError?: Error}): IvcError | undefined {
  if (result.end !== 'sink-failed') return undefined
  return result.sinkError instanceof IvcError ? result.sinkError : new IvcError('EXTERNAL_TOOL_FAILED', result.sinkError?.message)
}
