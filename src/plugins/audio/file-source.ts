import {readFile} from 'node:fs/promises'

import {type Clock, realClock} from '../../foundation/clock.js'
import {IvcError} from '../../foundation/errors.js'
import {ticks} from '../../media/audio/clock.js'
import {type AudioFrame, FRAME_BYTES, FRAME_MS} from '../../media/audio/format.js'
import type {AudioSource} from '../../media/audio/types.js'
import {decodeWav, WavError} from '../../media/audio/wav.js'

const CONVERT_HINT = 'Convert it: `ffmpeg -i INPUT -ar 48000 -ac 1 -c:a pcm_s16le out.wav`.'

/**
 * The `file` source: a WAV file (16-bit PCM, 48 kHz; more channels are mixed down) or raw 48 kHz mono s16le (.pcm,
 * .raw, .s16le), played once in real time. The last partial frame is padded with silence.
 */
export async function createFileSource(path: string | undefined, clock: Clock = realClock): Promise<AudioSource> {
  if (!path) throw new IvcError('BAD_USAGE', 'the file source needs --file PATH', {suggestion: 'Add --file sound.wav.'})
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (error) {
    throw new IvcError('NO_DEVICE', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {suggestion: 'Check the path given to --file.'})
  }

  const pcm = /\.(pcm|raw|s16le)$/i.test(path) ? bytes.subarray(0, bytes.length - (bytes.length % 2)) : wavPcm(path, bytes)
  const frameCount = Math.ceil(pcm.length / FRAME_BYTES)
  return {
    async *frames(signal: AbortSignal): AsyncGenerator<AudioFrame> {
      for await (const {index, atMs} of ticks(FRAME_MS, signal, clock)) {
        if (index >= frameCount) return
        const frame = Buffer.alloc(FRAME_BYTES)
        pcm.copy(frame, 0, index * FRAME_BYTES, (index + 1) * FRAME_BYTES)
        yield {pcm: frame, captureUs: Math.round(atMs * 1000)}
      }
    },
    async close() {},
  }
}

function wavPcm(path: string, bytes: Buffer): Buffer {
  try {
    const wav = decodeWav(bytes)
    if (wav.sampleRate !== 48_000) throw new WavError(`${wav.sampleRate} Hz; ivc plays 48000 Hz`)
    return wav.pcm
  } catch (error) {
    if (error instanceof WavError) throw new IvcError('BAD_USAGE', `${path}: ${error.message}`, {suggestion: CONVERT_HINT})
    throw error
  }
}
