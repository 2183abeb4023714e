import type {AudioFrame} from './format.js'

/**
 * Audio backends (src/plugins/audio/). A source yields 20 ms frames of the ivc format (format.ts), paced in real time
 * by its own clock (a device's, or a monotonic timer); a sink is handed one frame per playout tick.
 */
export interface AudioSource {
  /** Frames until the source ends (a file) or `signal` aborts. */
  frames(signal: AbortSignal): AsyncIterable<AudioFrame>
  close(): Promise<void>
}

export interface AudioSink {
  /** Play one 20 ms frame. Never blocks: a sink that cannot keep up drops and counts. */
  write(pcm: Buffer): void
  /** Finish playing and release the device; resolves to what the sink has to report (e.g. continuity). */
  close(): Promise<Record<string, unknown>>
}

/**
 * An audio codec backend: one 20 ms frame of the ivc format (format.ts) to a frame payload and back. `decode` throws
 * on a payload it cannot read. A codec with `conceal` makes the frame in place of a missing one itself (Opus's
 * decoder carries the voice on); without it the jitter buffer's faded repeat is played.
 */
export interface AudioCodec {
  /** Its name as `--codec` and the stats give it (pcm, opus). */
  readonly name: string
  /** Whether a payload of this many bytes can be one of its frames (checked as the frame arrives). */
  fits(bytes: number): boolean
  encode(pcm: Buffer): Buffer
  decode(payload: Buffer): Buffer
  conceal?(): Buffer
}

/** Options every audio backend's create() receives (each uses what it needs). */
export interface AudioBackendOptions {
  frequency?: number
  device?: string
  path?: string
  logger?: import('../../foundation/logger.js').Logger
}
