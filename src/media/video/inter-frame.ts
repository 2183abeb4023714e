import type {VideoCodec} from '../types.js'

/**
 * A codec whose frames depend on earlier ones (H.264, VP8): a frame decodes only after the frames it refers to, so the
 * receiver decodes in order and skips to the next keyframe after a gap (src/media/video/keyframe-gate.ts), and the
 * sender makes a keyframe when the receiver asks (src/media/video/keyframe-requests.ts). It also keeps its own
 * bitrate: adaptation sets it (the JPEG ladder's sizes and qualities are for intra-only codecs).
 */
export interface InterFrameVideoCodec extends VideoCodec {
  readonly interFrame: true
  /** Whether the frame the last encode returned decodes alone (an IDR frame). */
  readonly lastWasKey: boolean
  /** Make the next frame encoded a keyframe. */
  forceKeyframe(): void
  /** The encoder's bitrate target from the next frame on, kbit/s. */
  setBitrate(kbps: number): void
}

export function isInterFrame(codec: VideoCodec): codec is InterFrameVideoCodec {
  return (codec as Partial<InterFrameVideoCodec>).interFrame === true
}
