import {IvcError} from '../../cli/errors.js'
import type {Logger} from '../../cli/logger.js'
import {type AudioFrame, CHANNELS, FRAME_BYTES, FRAME_SAMPLES, pcmDurationMs, SAMPLE_RATE} from '../../media/audio/format.js'
import type {AudioSource} from '../../media/audio/types.js'
import {monotonicUs} from '../../transport/index.js'
import {loadNaudiodon} from '../native.js'
import {resolveAudioDevice} from './devices.js'

/** Frames held when the sender falls behind the microphone; older ones are dropped. */
const MAX_QUEUED_FRAMES = 50

/**
 * The `mic` source: a PortAudio input stream (naudiodon) cut into 20 ms frames. A frame's capture time is when its
 * last byte arrived minus its length. The device's clock paces the stream.
 */
export async function createMicSource(device: string | undefined, logger?: Logger): Promise<AudioSource> {
  const chosen = await resolveAudioDevice(device, 'input')
  // Through PulseAudio's ALSA plugin the default buffer is about 2 s; ask for real-time latency instead.
  process.env.PULSE_LATENCY_MSEC ??= '20'
  const portAudio = loadNaudiodon()
  let input: ReturnType<typeof portAudio.AudioIO>
  try {
    input = portAudio.AudioIO({
      inOptions: {channelCount: CHANNELS, sampleFormat: portAudio.SampleFormat16Bit, sampleRate: SAMPLE_RATE, deviceId: chosen.id, framesPerBuffer: FRAME_SAMPLES, highwaterMark: FRAME_BYTES, closeOnError: false},
    })
  } catch (error) {
    throw new IvcError('NO_DEVICE', `cannot open audio capture device ${chosen.id} "${chosen.name}": ${(error as Error).message}`)
  }

  logger?.info(`capturing from ${chosen.id} "${chosen.name}" (${chosen.hostAPIName})`)
  const queue: AudioFrame[] = []
  let pending: Buffer = Buffer.alloc(0)
  let wake: (() => void) | undefined
  let dropped = 0
  input.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
    const nowUs = monotonicUs()
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
  input.on('error', (error: Error) => logger?.warn(`audio capture: ${error.message}`))
  input.start()
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    if (dropped > 0) logger?.warn(`dropped ${dropped} captured frames the sender could not take`)
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000)
      input.quit(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  return {
    async *frames(signal: AbortSignal): AsyncGenerator<AudioFrame> {
      const onAbort = () => wake?.()
      signal.addEventListener('abort', onAbort, {once: true})
      try {
        while (!signal.aborted) {
          const frame = queue.shift()
          if (frame) yield frame
          else await new Promise<void>((resolve) => (wake = resolve))
        }
      } finally {
        signal.removeEventListener('abort', onAbort)
      }
    },
    close,
  }
}
