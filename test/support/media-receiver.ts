import {MediaReceiver, type MediaReceiverOptions, type ReceivedFrame} from '../../src/transport/index.js'
import {recordingLogger} from './logger.js'

/** A video MediaReceiver on a free loopback port, closed by `closers`, with the frames it hands up and its log. */
export async function listeningReceiver(closers: Array<() => unknown>, options: Partial<MediaReceiverOptions> = {}) {
  const logger = recordingLogger()
  const rx = await MediaReceiver.listen({port: 0, host: '127.0.0.1', kind: 'video', logger, ...options})
  closers.push(() => rx.close())
  const frames: ReceivedFrame[] = []
  rx.on('frame', (frame: ReceivedFrame) => frames.push(frame))
  return {rx, frames, logger}
}
