import {IvcError} from '../../foundation/errors.js'

/**
 * The video formats a stream can carry, by the name a call offer gives them (docs/protocol.md, "Call signalling":
 * a stream's `format`), each with the codec backend that writes and reads it. The payload does not say which it is:
 * the receiver decodes with the codec its stream's format names (a call's negotiated offer, or `--codec` alone).
 */
export const VIDEO_FORMATS = {
  /** One JPEG a frame. */
  mjpeg: {codec: 'jpeg', interFrame: false},
  /** H.264 (Annex B), one access unit a frame, no B-frames: frames refer to earlier ones (media/video/keyframe-gate.ts). */
  h264: {codec: 'h264', interFrame: true},
  /** VP8, one frame a payload, no alt-ref frames: frames refer to earlier ones, as H.264's do. */
  vp8: {codec: 'vp8', interFrame: true},
  /** Uncompressed pixels behind an 8-byte header (src/plugins/video/raw-codec.ts). */
  raw: {codec: 'raw', interFrame: false},
} as const

export type VideoFormat = keyof typeof VIDEO_FORMATS

export function isVideoFormat(name: string): name is VideoFormat {
  return Object.hasOwn(VIDEO_FORMATS, name)
}

/** The format a codec backend writes (`--codec jpeg` sends mjpeg); undefined for a codec no format names. */
export function formatOfCodec(codec: string): VideoFormat | undefined {
  return (Object.keys(VIDEO_FORMATS) as VideoFormat[]).find((format) => VIDEO_FORMATS[format].codec === codec)
}

/** The format a receiver decodes by its own --codec (outside a call, or until the peer's offer names one). */
export function receiverFormat(codec: string): VideoFormat {
  const format = formatOfCodec(codec)
  if (!format) throw new IvcError('BAD_USAGE', `--codec "${codec}" names no stream format (a receiver decodes jpeg, h264, vp8 or raw)`)
  return format
}

/** A call's video format: the one the peer's offer names (its start line), else `fallback`; refused if unknown. */
export function negotiatedFormat(offered: string | undefined, fallback: VideoFormat): VideoFormat {
  const format = offered ?? fallback
  if (!isVideoFormat(format)) throw new IvcError('PROTOCOL_ERROR', `the peer sends video as "${format}", which this ivc cannot decode`)
  return format
}

/** The codec a call's video sender writes: the one of the format its start line names, else its own --codec. */
export function senderCodec(agreed: string | undefined, flagCodec: string): string {
  return agreed ? VIDEO_FORMATS[negotiatedFormat(agreed, 'mjpeg')].codec : flagCodec
}
