import {recordTapFromEnv} from '../record-tap.js'
import {type Clock, realClock} from '../../foundation/clock.js'
import type {Logger} from '../../foundation/logger.js'
import {MediaReceiver, MediaSender} from '../../transport/index.js'
import {streamTarget} from '../../transport/target.js'
import {DEFAULT_AUDIO_PORT} from './format.js'
import {AudioReceiverPipeline} from './receiver.js'
import {AudioSenderPipeline} from './sender.js'
import type {AudioSummary} from './summary.js'
import type {AudioCodec, AudioSink, AudioSource} from './types.js'

/** What `ivc stream-audio` (or the call component) needs to run one direction of an audio stream. */
export interface StreamHooks {
  logger: Logger
  signal: AbortSignal
  /** Called once a second with the stats event. */
  onStats(event: Record<string, unknown>): void
  /** Register a closer with the command's lifecycle. */
  onShutdown(name: string, close: () => unknown): void
  /** In a call: whether the user has audio on (audio off sends silence). */
  sending?: () => boolean
  /** Default realClock. */
  clock?: Clock
}

/** `--to` (or the start line's destination) as host and port, default port 12346; BAD_USAGE if it is not HOST[:PORT]. */
export function audioTarget(to: string): {host: string; port: number} {
  return streamTarget(to, DEFAULT_AUDIO_PORT)
}

/**
 * Receive one audio stream on `port` and play it into `sink` until the stream ends (sender finished or gone) or the
 * command is stopped. `onListening` gets the bound port first (0 asks for a free one).
 */
export async function receiveAudio(
  options: {port: number; host?: string; connections?: number; secret?: string | Promise<string>; sink: AudioSink; codec?: AudioCodec | Promise<AudioCodec>; onListening(port: number): void; onFirstFrame?(): void},
  hooks: StreamHooks,
): Promise<AudioSummary> {
  const clock = hooks.clock ?? realClock
  const receiver = await MediaReceiver.listen({clock, port: options.port, host: options.host, kind: 'audio', logger: hooks.logger, secret: options.secret})
  hooks.onShutdown('audio receiver', () => receiver.close())
  options.onListening(receiver.port)
  // A call's codec comes with its start line; the secret, which frames wait for, comes no sooner (stream-audio.ts).
  const record = recordTapFromEnv('received-audio', process.env, clock)
  if (record) hooks.onShutdown('recording', () => record.close())
  const pipeline = new AudioReceiverPipeline(options.sink, hooks.logger, {}, clock, await options.codec, record)
  pipeline.attach(receiver)
  receiver.on('stream-start', ({remoteAddress, connections}: {remoteAddress: string; connections: number}) =>
    hooks.logger.info(`receiving audio from ${remoteAddress} over ${connections} connections`),
  )
  receiver.once('frame', () => options.onFirstFrame?.())
  const timer = clock.setInterval(() => hooks.onStats(pipeline.interval()), 1000)
  try {
    await pipeline.run(hooks.signal)
  } finally {
    clock.clearTimeout(timer)
    await receiver.close()
  }

  return pipeline.summary(await options.sink.close())
}

/** Send `source` to `host:port` over `connections` parallel connections until it ends or the command is stopped. */
export async function sendAudio(
  options: {host: string; port: number; connections: number; secret?: string; waitForListenerMs?: number; source: AudioSource; codec?: AudioCodec},
  hooks: StreamHooks,
): Promise<{summary: AudioSummary; peerGone: boolean}> {
  const clock = hooks.clock ?? realClock
  const sender = await MediaSender.connect({clock, host: options.host, port: options.port, kind: 'audio', connections: options.connections, logger: hooks.logger, secret: options.secret, waitForListenerMs: options.waitForListenerMs, startOnFirstConnection: (options.waitForListenerMs ?? 0) > 0})
  hooks.onShutdown('audio sender', () => sender.close())
  hooks.logger.info(`sending audio to ${options.host}:${options.port} over ${options.connections} connections`)
  const record = recordTapFromEnv('sent-audio', process.env, clock)
  if (record) hooks.onShutdown('recording', () => record.close())
  const pipeline = new AudioSenderPipeline(options.source, sender, hooks.sending, clock, options.codec, record)
  const timer = clock.setInterval(() => hooks.onStats(pipeline.interval()), 1000)
  try {
    await pipeline.run(hooks.signal)
  } finally {
    clock.clearTimeout(timer)
    await options.source.close()
    if (pipeline.peerGone) sender.close()
    else await sender.end()
  }

  return {summary: pipeline.summary(), peerGone: pipeline.peerGone}
}
