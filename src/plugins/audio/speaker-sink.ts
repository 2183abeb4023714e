import {IvcError} from '../../cli/errors.js'
import type {Logger} from '../../cli/logger.js'
import {CHANNELS, FRAME_BYTES, FRAME_SAMPLES, SAMPLE_RATE} from '../../media/audio/format.js'
import type {AudioSink} from '../../media/audio/types.js'
import {loadNaudiodon} from '../native.js'
import {resolveAudioDevice} from './devices.js'

/**
 * Frames that may wait in the output stream before new ones are dropped (2 s). Through ALSA's PulseAudio plugin the
 * output queue was measured to peak near 1 s at the start of a stream (the device path's own buffering), so a
 * tighter bound drops frames there; `maxQueuedMs` in the sink's report shows what a run needed.
 */
const MAX_QUEUED_BYTES = 100 * FRAME_BYTES

/** The `speaker` sink: a PortAudio output stream (naudiodon) fed one 20 ms frame per playout tick. */
export async function createSpeakerSink(device: string | undefined, logger?: Logger): Promise<AudioSink> {
  const chosen = await resolveAudioDevice(device, 'output')
  // Through PulseAudio's ALSA plugin the default buffer is about 2 s; ask for real-time latency instead.
  process.env.PULSE_LATENCY_MSEC ??= '20'
  const portAudio = loadNaudiodon()
  let output: ReturnType<typeof portAudio.AudioIO>
  try {
    output = portAudio.AudioIO({
      outOptions: {channelCount: CHANNELS, sampleFormat: portAudio.SampleFormat16Bit, sampleRate: SAMPLE_RATE, deviceId: chosen.id, framesPerBuffer: FRAME_SAMPLES, highwaterMark: FRAME_BYTES, closeOnError: false},
    })
  } catch (error) {
    throw new IvcError('NO_DEVICE', `cannot open audio playback device ${chosen.id} "${chosen.name}": ${(error as Error).message}`)
  }

  logger?.info(`playing on ${chosen.id} "${chosen.name}" (${chosen.hostAPIName})`)
  output.on('error', (error: Error) => logger?.warn(`audio playback: ${error.message}`))
  // Start now: opening the ALSA→PulseAudio path takes about a second, better spent before the stream arrives.
  output.start()
  let frames = 0
  let dropped = 0
  let maxQueuedBytes = 0
  return {
    write(pcm: Buffer) {
      if ((output.writableLength ?? 0) > MAX_QUEUED_BYTES) {
        dropped++
        return
      }

      frames++
      maxQueuedBytes = Math.max(maxQueuedBytes, output.writableLength ?? 0)
      output.write(pcm)
    },
    async close() {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2000)
        const done = () => {
          clearTimeout(timer)
          resolve()
        }

        output.quit(done)
      })
      return {sink: 'speaker', device: chosen.name, frames, dropped, maxQueuedMs: (maxQueuedBytes / FRAME_BYTES) * 20}
    },
  }
}
