import {type Clock, realClock} from '../../foundation/clock.js'
import type {Logger} from '../../foundation/logger.js'
import {type AudioFrame, FRAME_BYTES, pcmDurationMs} from '../../media/audio/format.js'
import type {AudioSource} from '../../media/audio/types.js'
import {resolveAudioDevice} from './devices.js'
import {openPortAudio} from './portaudio-host.js'
import {whenAborted} from '../../foundation/abort.js'

/** Frames held when the sender falls behind the microphone; older ones are dropped. */
const MAX_QUEUED_FRAMES = 50

/**
 * The `mic` source: a PortAudio input stream (naudiodon, in a helper process: portaudio-host.ts) cut into 20 ms frames. A frame's capture time is when its
 * last byte arrived minus its length. The device's clock paces the stream.
 */
export async function createMicSource(device: string | undefined, logger?: Logger, clock: Clock = realClock): Promise<AudioSource> {
  const chosen = await resolveAudioDevice(device, 'input')
  const stream = await openPortAudio('input', chosen, logger)
  const input = stream.pcm

  logger?.info(`capturing from ${chosen.id} "${chosen.name}" (${chosen.hostAPIName})`)
  const queue: AudioFrame[] = []
  let pending: Buffer = Buffer.alloc(0)
  let wake: (() => void) | undefined
  let dropped = 0
  input.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
    const nowUs = clock.monotonicUs()
    while (pending.length >= FRAME_BYTES) {
      const pcm = Buffer.from(pending.subarray(0, FRAME_BYTES))
      pending = pending.subarray(FRAME_BYTES)
      const captureUs = nowUs - Math.round((pcmDurationMs(FRAME_BYTES) + pcmDurationMs(pending.length)) * 1000)
      queue.push({pcm, captureUs})
      if (queue.length > MAX_QUEUED_FRAMES) {
        queue.shift()
        dropped++
      }
    }

    wake?.()
  })
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    if (dropped > 0) logger?.warn(`dropped ${dropped} captured frames the sender could not take`)
    await stream.close()
  }

  return {
    async *frames(signal: AbortSignal): AsyncGenerator<AudioFrame> {
      const stopListening = whenAborted(signal, () => wake?.())
      try {
        while (!signal.aborted) {
          const frame = queue.shift()
          if (frame) yield frame
          else await new Promise<void>((resolve) => (wake = resolve))
        }
      } finally {
        stopListening()
      }
    },
    close,
  }
}
