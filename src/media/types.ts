/**
 * Shared media types. The video part: what video sources, codecs and sinks (src/plugins/video) look like to the
 * pipelines in src/media/video. Audio keeps its own in src/media/audio/types.ts.
 */
import type {VideoFormat} from './video/formats.js'

export type PixelFormat = 'bgr' | 'gray'

export const CHANNELS: Record<PixelFormat, number> = {bgr: 3, gray: 1}

/** How many more reads a source's frame survives before the source may write over its pixels (see VideoSource). */
export const FRAME_REUSE_AFTER = 3

/** One uncompressed picture: rows top to bottom, pixels interleaved (BGR, as OpenCV keeps them). */
export interface VideoFrame {
  width: number
  height: number
  format: PixelFormat
  data: Buffer
}

/**
 * Produces frames on demand; the sender pipeline paces the calls. `read()` resolves undefined at the end (a file).
 * A source may reuse its frames' pixel buffers (a fresh 1 MB buffer a frame costs page faults and garbage collections
 * at 30 fps): a frame stays as read until FRAME_REUSE_AFTER more frames have been read; copy it to keep it longer.
 */
export interface VideoSource {
  readonly width: number
  readonly height: number
  read(): Promise<VideoFrame | undefined>
  close(): Promise<void>
}

export interface VideoCodec {
  readonly name: string
  encode(frame: VideoFrame): Promise<Buffer>
  /** The decoded frame's pixels may be reused by the codec's next decode: read them, or copy them, before that. */
  decode(payload: Buffer): Promise<VideoFrame>
}

/**
 * A frame at the end of the receiving pipeline, as its sink takes it: decoded to a `picture` with the codec the
 * stream's format names (src/media/video/decode-stage.ts), or, in a format the sink `passes`, still `encoded`. The
 * picture's pixels may be reused by the next decode: a sink reads or copies them before its render resolves.
 */
export type SinkFrame = {seq: number; captureUs: number} & ({picture: VideoFrame; encoded?: never} | {encoded: {format: VideoFormat; payload: Buffer}; picture?: never})

export interface SinkReport {
  /** Frames the sink could not take (busy pipe, slow decode): dropped, counted. */
  dropped: number
  /** Set by sinks that read the stamped sequence numbers back (null): frames whose stamp went back. */
  outOfOrder?: number
  /** Frames that showed the previous frame's stamp again (an inter-frame codec's skipped blocks; see NullSink). */
  repeated?: number
  /** Frames whose stamp could not be read (not a synthetic source, or damaged). */
  unreadable?: number
  verified?: number
}

export interface VideoSink {
  readonly name: string
  /**
   * Formats it takes still encoded (ffplay and the file sink: MJPEG, which the player decodes itself); frames of any
   * other format reach it decoded, and a sink that passes none (the null sink) gets every frame decoded.
   */
  readonly passes?: readonly VideoFormat[]
  /** Take a frame; resolves once it is shown/written (the pipeline measures latency at that point). */
  render(frame: SinkFrame): Promise<'rendered' | 'dropped'>
  /** Resolves (with the reason) if the sink dies on its own, e.g. the ffplay window was closed. */
  readonly failed: Promise<Error>
  /** What the sink has counted so far. */
  readonly report: SinkReport
  close(): Promise<void>
}

export interface VideoBackendOptions {
  width?: number
  height?: number
  fps?: number
  format?: PixelFormat
  /** JPEG quality 1..100. */
  quality?: number
  /** camera: device index; file source/sink: a path. */
  device?: string
  path?: string
  /** A sink that opens a window (ffplay): its title ("ivc - bob"), and its size as a share of the frames' (default 1). */
  window?: {title: string; scale?: number}
  /** The ui sink: which of ivc ui's sockets it writes to, the peer's video (default) or the self-view. */
  stream?: 'video' | 'self-view'
  logger?: import('../foundation/logger.js').Logger
}
