import {IvcError} from '../../foundation/errors.js'

/**
 * The audio formats a stream can carry, by the name a call offer gives them (docs/protocol.md, "Formats"), each with
 * the codec backend that writes and reads it (as media/video/formats.ts does for video). The payload does not say
 * which it is: both ends use the format the call agreed on, or `--codec` on both ends alone.
 */
export const AUDIO_FORMATS = {
  /** One Opus packet a 20 ms frame (src/plugins/audio/opus-codec.ts). */
  opus: {codec: 'opus'},
  /** 20 ms of 48 kHz mono s16le, as it is (src/media/audio/pcm-codec.ts). */
  'pcm-s16le': {codec: 'pcm'},
} as const

export type AudioFormat = keyof typeof AUDIO_FORMATS

/** The format a codec backend writes (`--codec pcm` sends pcm-s16le); undefined for a codec no format names. */
export function audioFormatOfCodec(codec: string): AudioFormat | undefined {
  return (Object.keys(AUDIO_FORMATS) as AudioFormat[]).find((format) => AUDIO_FORMATS[format].codec === codec)
}

/** The codec backend of a call's audio format (its start line); refused if this ivc does not know it. */
export function audioCodecOf(format: string): string {
  if (!Object.hasOwn(AUDIO_FORMATS, format)) throw new IvcError('PROTOCOL_ERROR', `the call's audio format "${format}" is one this ivc cannot code`)
  return AUDIO_FORMATS[format as AudioFormat].codec
}

/**
 * The codec of a stream's format: `--codec`'s (`flagCodec`) starts loading now, and serves a format it writes; another
 * format's (a call's start line names the one agreed on) loads when asked for.
 */
export function codecByFormat<C>(flagCodec: string, load: (codec: string) => Promise<C>): (format?: string) => Promise<C> {
  const loading = load(flagCodec)
  loading.catch(() => undefined)
  return (format) => (format === undefined || audioCodecOf(format) === flagCodec ? loading : load(audioCodecOf(format)))
}
