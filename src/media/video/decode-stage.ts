import type {SinkFrame, VideoCodec, VideoFrame, VideoSink} from '../types.js'
import {receiverFormat, VIDEO_FORMATS, type VideoFormat} from './formats.js'

/** Where codecs come from: the backend registry (plugins/), which sits above media and so is not imported here. */
export interface CodecFactory {
  create(kind: 'video-codec', name: string, options?: Record<string, unknown>): Promise<VideoCodec>
  /** Throws (BACKEND_MISSING, with the install hint) if the named codec cannot run here. */
  ensureAvailable?(kind: 'video-codec', name: string): Promise<void>
}

/**
 * The format a receiver outside a call decodes by its own --codec, refused at once, as a sender's --codec is, when the
 * sink needs it decoded and its codec cannot run here (`--codec h264` without node-av), rather than frame by frame.
 * Not JPEG's or raw's: loading JPEG's decoder (OpenCV) is most of a receiver's start-up (~0.3 s of CPU), so, as in a
 * call, it loads right after the port is reported (`prepare`), and JPEG works with OpenCV or sharp, one of which any
 * install has (the setup installs both).
 */
export async function standaloneReceiverFormat(codec: string, sink: VideoSink, codecs: CodecFactory): Promise<VideoFormat> {
  const format = receiverFormat(codec)
  if (!LOADED_AFTER_LISTENING.has(format) && !sink.passes?.includes(format)) await codecs.ensureAvailable?.('video-codec', VIDEO_FORMATS[format].codec)
  return format
}

const LOADED_AFTER_LISTENING: ReadonlySet<VideoFormat> = new Set(['mjpeg', 'raw'])

export interface DecodeStageOptions {
  /**
   * The stream's format: known at once (`--codec`), or once the call is agreed (the start line carries the format
   * the peer's offer named); frames cannot arrive before that, since their connections wait for the same line's key.
   */
  format: VideoFormat | Promise<VideoFormat>
  /** The format `prepare` loads while `format` is still to come: in a call, the one this side offered. */
  expected?: VideoFormat
  sink: VideoSink
  codecs: CodecFactory
  /** What the codec backend is created with. */
  codecOptions?: Record<string, unknown>
}

/**
 * The receiver's decode stage, between the jitter buffer and the sink: a payload is decoded with the codec its
 * stream's format names, unless the sink takes that format as it is (`VideoSink.passes`: ffplay and the file sink
 * take MJPEG), in which case it goes on untouched. The codec is created on first use (or `prepare`), so a receiver
 * whose sink passes MJPEG through never loads OpenCV (~130 MB, ~0.4 s of start-up).
 */
export class VideoDecodeStage {
  readonly #codecs = new Map<string, Promise<VideoCodec>>()

  constructor(private readonly options: DecodeStageOptions) {
    // A format that never comes (the call ended first) is the process's business, not a frame's.
    Promise.resolve(options.format).catch(() => undefined)
  }

  /**
   * Load a codec now, before frames arrive: `format`'s (default the expected one, else the stream's), if the sink will
   * need it decoded. A call's receiver warms the format it offered while the format the peer chose is still to come.
   */
  prepare(format?: VideoFormat): void {
    const loading = (async () => {
      const chosen = format ?? this.options.expected ?? (await this.options.format)
      if (!this.#passes(chosen)) await this.#codec(chosen)
    })()
    // A failure surfaces again on the first decode; here it must not be unhandled.
    loading.catch(() => undefined)
  }

  /** The frame as its sink takes it: decoded, or still encoded in a format the sink passes through. Rejects if it does not decode. */
  async decode(frame: {seq: number; captureUs: number; payload: Buffer}): Promise<SinkFrame> {
    const format = await this.options.format
    const {seq, captureUs, payload} = frame
    if (this.#passes(format)) return {seq, captureUs, encoded: {format, payload}}
    const codec = await this.#codec(format)
    return {seq, captureUs, picture: await codec.decode(payload)}
  }

  /**
   * A picture of the receiver's own (the video-off still) as the sink takes this stream's frames: encoded in the
   * stream's format when the sink passes it (a player fed MJPEG must go on getting MJPEG), else as it is.
   */
  async own(picture: VideoFrame, seq: number, captureUs: number): Promise<SinkFrame> {
    const format = await this.options.format
    if (!this.#passes(format)) return {seq, captureUs, picture}
    const codec = await this.#codec(format)
    return {seq, captureUs, encoded: {format, payload: await codec.encode(picture)}}
  }

  /** Whether the stream's frames refer to earlier ones (H.264, VP8): decoded in order, from a keyframe (KeyframeGate). */
  async interFrame(): Promise<boolean> {
    return VIDEO_FORMATS[await this.options.format].interFrame
  }

  /** The codec of the stream's format, as the stats name it (jpeg, h264, vp8, raw), even where the sink takes it encoded. */
  async codecName(): Promise<string> {
    return VIDEO_FORMATS[await this.options.format].codec
  }

  #passes(format: VideoFormat): boolean {
    return this.options.sink.passes?.includes(format) ?? false
  }

  #codec(format: VideoFormat): Promise<VideoCodec> {
    const name = VIDEO_FORMATS[format].codec
    let codec = this.#codecs.get(name)
    if (!codec) {
      codec = this.options.codecs.create('video-codec', name, this.options.codecOptions)
      this.#codecs.set(name, codec)
    }

    return codec
  }
}
