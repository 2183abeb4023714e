import type {Logger} from '../../foundation/logger.js'
import {FRAME_BYTES, FRAME_MS} from '../../media/audio/format.js'
import type {AudioSink} from '../../media/audio/types.js'
import {resolveAudioDevice} from './devices.js'
import {openPortAudio} from './portaudio-host.js'

/**
 * Frames that may wait in the output stream before new ones are dropped (2 s). Through ALSA's PulseAudio plugin the
 * output queue was measured to peak near 1 s at the start of a stream (the device path's own buffering), so a
 * tighter bound drops frames there; `maxQueuedMs` in the sink's report shows what a run needed.
 */
const MAX_QUEUED_BYTES = 100 * FRAME_BYTES

/**
 * What closing allows beyond the audio still queued here, for the audio already past this end of the pipe: the
 * socket's kernel buffer and the helper's own queue (together about 2 s of audio at most) and the device's latency and
 * stop. A device that underruns on a busy host plays late rather than skipping (PortAudio reported a dozen output
 * underflows in a 3 s stream at load 20), so at the end of a stream that much lag is still to be played.
 */
const DRAIN_ALLOWANCE_MS = 4000

/** How long `bytes` of PCM play. */
const playMs = (bytes: number) => (bytes / FRAME_BYTES) * FRAME_MS

/** The `speaker` sink: a PortAudio output stream (naudiodon, in a helper process) fed one 20 ms frame per playout tick. */
export async function createSpeakerSink(device: string | undefined, logger?: Logger): Promise<AudioSink> {
  const chosen = await resolveAudioDevice(device, 'output')
  // Open now: opening the ALSA→PulseAudio path takes about a second, better spent before the stream arrives.
  const stream = await openPortAudio('output', chosen, logger)
  const output = stream.pcm
  logger?.info(`playing on ${chosen.id} "${chosen.name}" (${chosen.hostAPIName})`)
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
      // Let what is queued play out, bounded by how much that can be: the end of a stream is part of it (a file played
      // to the speaker, the last words of a call).
      await stream.close(playMs(output.writableLength ?? 0) + DRAIN_ALLOWANCE_MS)
      return {sink: 'speaker', device: chosen.name, frames, dropped, maxQueuedMs: playMs(maxQueuedBytes)}
    },
  }
}
