/**
 * ivc's one audio format: 48 kHz mono signed 16-bit little-endian PCM in 20 ms frames. Every source produces it and
 * every sink consumes it, so nothing between them resamples or reframes.
 */
export const SAMPLE_RATE = 48_000
export const CHANNELS = 1
export const BYTES_PER_SAMPLE = 2
export const FRAME_MS = 20
export const FRAME_SAMPLES = (SAMPLE_RATE * FRAME_MS) / 1000
export const FRAME_BYTES = FRAME_SAMPLES * BYTES_PER_SAMPLE * CHANNELS

/** The seed used 10 parallel connections for audio; so does ivc by default. */
export const DEFAULT_AUDIO_CONNECTIONS = 10
export const DEFAULT_AUDIO_PORT = 12_346

/** A frame of silence (shared; never write into it). */
export const SILENT_FRAME: Buffer = Buffer.alloc(FRAME_BYTES)

/** One captured frame: exactly FRAME_BYTES of PCM, and when its first sample was captured (monotonic µs). */
export interface AudioFrame {
  pcm: Buffer
  captureUs: number
}

/** Milliseconds of audio in `bytes` of PCM in the ivc format. */
export function pcmDurationMs(bytes: number): number {
  return (bytes / (BYTES_PER_SAMPLE * CHANNELS) / SAMPLE_RATE) * 1000
}
