/**
 * Shared media types. The video part: what video sources, codecs and sinks (src/plugins/video) look like to the
 * pipelines in src/media/video. Audio keeps its own in src/media/audio/types.ts.
 */
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

/** A frame at the end of the receiving pipeline, still encoded: sinks that need pixels decode it with `codec`. */
export interface EncodedVideoFrame {
  seq: number
  captureUs: number
  payload: Buffer
  codec: VideoCodec
}

export interface SinkReport {
  /** Frames the sink could not take (busy pipe, slow decode): dropped, counted. */
  dropped: number
  /** Set by sinks that read the stamped sequence numbers back (null): frames whose stamp did not increase. */
  outOfOrder?: number
  /** Frames whose stamp could not be read (not a synthetic source, or damaged). */
  unreadable?: number
  verified?: number
}

export interface VideoSink {
  readonly name: string
  /** true when it decodes every frame (the null sink): the receiver then loads the decoder before frames arrive. */
  readonly decodes?: boolean
  /** Take a frame; resolves once it is shown/written (the pipeline measures latency at that point). */
  render(frame: EncodedVideoFrame): Promise<'rendered' | 'dropped'>
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
  logger?: import('../foundation/logger.js').Logger
}
