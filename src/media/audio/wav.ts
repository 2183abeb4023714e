import {BYTES_PER_SAMPLE, CHANNELS, SAMPLE_RATE} from './format.js'

/**
 * WAV (RIFF, PCM) in and out. The reader accepts 16-bit PCM at 48 kHz, mono or multichannel (downmixed to mono), and
 * bounds every chunk length by the bytes actually there before using it. The writer emits a canonical 44-byte header.
 */
export const WAV_HEADER_BYTES = 44
const WAVE_FORMAT_PCM = 1
const WAVE_FORMAT_EXTENSIBLE = 0xfffe

export class WavError extends Error {
  override name = 'WavError'
}

export interface WavInfo {
  sampleRate: number
  channels: number
  bitsPerSample: number
  /** Mono s16le samples (downmixed if the file had more channels). */
  pcm: Buffer
}

/** The canonical header for `dataBytes` of ivc-format PCM (48 kHz mono s16le). */
export function wavHeader(dataBytes: number, sampleRate = SAMPLE_RATE, channels = CHANNELS): Buffer {
  const header = Buffer.alloc(WAV_HEADER_BYTES)
  const blockAlign = channels * BYTES_PER_SAMPLE
  header.write('RIFF', 0, 'ascii')
  header.writeUInt32LE(36 + dataBytes, 4)
  header.write('WAVE', 8, 'ascii')
  header.write('fmt ', 12, 'ascii')
  header.writeUInt32LE(16, 16)
  header.writeUInt16LE(WAVE_FORMAT_PCM, 20)
  header.writeUInt16LE(channels, 22)
  header.writeUInt32LE(sampleRate, 24)
  header.writeUInt32LE(sampleRate * blockAlign, 28)
  header.writeUInt16LE(blockAlign, 32)
  header.writeUInt16LE(BYTES_PER_SAMPLE * 8, 34)
  header.write('data', 36, 'ascii')
  header.writeUInt32LE(dataBytes, 40)
  return header
}

export function encodeWav(pcm: Buffer): Buffer {
  return Buffer.concat([wavHeader(pcm.length), pcm])
}

/** Parse a whole WAV file; throws WavError naming what is wrong. */
export function decodeWav(file: Buffer): WavInfo {
  if (file.length < 12) throw new WavError(`too short for a WAV header (${file.length} bytes)`)
  if (file.toString('ascii', 0, 4) !== 'RIFF' || file.toString('ascii', 8, 12) !== 'WAVE') throw new WavError('not a RIFF/WAVE file')
  let offset = 12
  let format: {tag: number; channels: number; sampleRate: number; bitsPerSample: number} | undefined
  while (offset + 8 <= file.length) {
    const id = file.toString('ascii', offset, offset + 4)
    const declared = file.readUInt32LE(offset + 4)
    const body = offset + 8
    // A streamed WAV may declare a data length longer than the file (or 0xFFFFFFFF): use what is there.
    const size = Math.min(declared, file.length - body)
    if (id === 'fmt ') {
      if (size < 16) throw new WavError(`fmt chunk too short (${size} bytes)`)
      format = {
        tag: file.readUInt16LE(body),
        channels: file.readUInt16LE(body + 2),
        sampleRate: file.readUInt32LE(body + 4),
        bitsPerSample: file.readUInt16LE(body + 14),
      }
    } else if (id === 'data') {
      if (!format) throw new WavError('data chunk before fmt chunk')
      return toMono(format, file.subarray(body, body + size))
    }

    offset = body + size + (size % 2)
  }

  throw new WavError(format ? 'no data chunk' : 'no fmt chunk')
}

function toMono(format: {tag: number; channels: number; sampleRate: number; bitsPerSample: number}, data: Buffer): WavInfo {
  if (format.tag !== WAVE_FORMAT_PCM && format.tag !== WAVE_FORMAT_EXTENSIBLE) throw new WavError(`not PCM (format tag ${format.tag})`)
  if (format.bitsPerSample !== 16) throw new WavError(`${format.bitsPerSample}-bit samples; ivc reads 16-bit PCM`)
  if (format.channels < 1 || format.channels > 32) throw new WavError(`${format.channels} channels`)
  const frameBytes = format.channels * 2
  const frames = Math.floor(data.length / frameBytes)
  if (format.channels === 1) return {...format, pcm: Buffer.from(data.subarray(0, frames * 2))}
  const pcm = Buffer.alloc(frames * 2)
  for (let frame = 0; frame < frames; frame++) {
    let sum = 0
    for (let channel = 0; channel < format.channels; channel++) sum += data.readInt16LE(frame * frameBytes + channel * 2)
    pcm.writeInt16LE(Math.round(sum / format.channels), frame * 2)
  }

  return {...format, pcm}
}
