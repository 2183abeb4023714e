import type {VideoFrame} from '../../media/types.js'
import type {InterFrameVideoCodec} from '../../media/video/inter-frame.js'
import {loadNodeAv, type NodeAv} from '../native.js'

/** The bitrate a stream starts at, and keeps without adaptation (`--adapt off|seed`): H.264 640x480@30 at SSIM 0.98–0.99 (docs/codecs.md). */
export const VIDEO_DEFAULT_KBPS = 800
/** Bounds of the bitrate adaptation may set. */
export const VIDEO_MIN_KBPS = 100
export const VIDEO_MAX_KBPS = 20_000
/** The smallest change of bitrate passed on to an encoder that takes it between frames, as a share of the current one. */
const BITRATE_STEP = 0.05
/** The same for an encoder that must open again to take it (which costs a keyframe). */
const REOPEN_BITRATE_STEP = 0.25
/** A keyframe at least this often, even when no receiver asks: a floor for receivers that join or lose frames unheard. */
export const KEYFRAME_INTERVAL_S = 4
/**
 * The largest picture a received stream may have. FFmpeg's decoder refuses one of more than VIDEO_MAX_SIDE² pixels
 * before it allocates it (its `max_pixels`: a stream's header may declare about 16k×16k); one within that but over
 * VIDEO_MAX_SIDE a side (8192×16) is refused after decoding, before its pixels are converted.
 */
export const VIDEO_MAX_SIDE = 4096

type Frame = InstanceType<NodeAv['Frame']>
type Context = InstanceType<NodeAv['CodecContext']>
type Scaler = InstanceType<NodeAv['SoftwareScaleContext']>
type DecoderName = Parameters<NodeAv['Codec']['findDecoderByName']>[0]
type EncoderName = Parameters<NodeAv['Codec']['findEncoderByName']>[0]

/** What sets one inter-frame codec apart: FFmpeg's encoder and decoder, and the encoder's options. */
export interface AvVideoFormat {
  /** The codec's name (`--codec`, the stats). */
  name: string
  /** As messages name it ("an empty H.264 packet"). */
  label: string
  decoder(av: NodeAv): DecoderName
  encoder(av: NodeAv): EncoderName
  /** The encoder's private options (libx264's preset, libvpx's deadline...), set on its context before it opens. */
  encoderOptions: Record<string, string>
  /**
   * How a new bitrate reaches the encoder: `live` between frames (libx264 reconfigures itself), or `reopen`: the
   * encoder takes it only when it opens (FFmpeg's libvpx wrapper), so the next frame opens a new one, a keyframe.
   */
  bitrateChange: 'live' | 'reopen'
  /**
   * Whether the rate is constant (minimum = maximum = target): libvpx keeps to its buffer (an eighth of a second) only in
   * CBR (its one-pass VBR ignores the buffer). libx264 keeps to it as a maximum (VBV).
   */
  constantRate: boolean
}

/** The encoder of one input size and pixel format, with its conversion to YUV. */
interface Encoder {
  context: Context
  scaler: Scaler
  input: Frame
  yuv: Frame
  width: number
  height: number
  format: VideoFrame['format']
}

/**
 * The conversion of decoded pictures of one size and pixel format to BGR. The format is part of the key: a stream may
 * change its chroma format (4:4:4, then 4:2:0) at a keyframe of the same size, and swscale set up for one reads the
 * other's planes at the wrong size.
 */
interface ToBgr {
  scaler: Scaler
  frame: Frame
  width: number
  height: number
  format: number
}

/**
 * An inter-frame video codec through node-av (FFmpeg in-process: H.264, VP8), whose encoder is set for real time so
 * each frame is one packet out at once and one picture back: a bitrate target with a buffer of an eighth of a second, which
 * `setBitrate` moves between frames; a keyframe every KEYFRAME_INTERVAL_S, and one whenever `forceKeyframe` asks (one a
 * receiver can start from). The encoder opens on the first frame, at its size rounded down to even (4:2:0), and opens
 * again if the size changes. Pictures go BGR (or gray) → YUV 4:2:0 and back through swscale, into the frames' own
 * planes: node-av 6.1.1 crashes once a Buffer given to Frame.fromBuffer, or a Dictionary given to open2Sync, is
 * collected (docs/codecs.md), so options are set on the context and pixels are copied.
 */
export class AvVideoCodec implements InterFrameVideoCodec {
  readonly name: string
  readonly interFrame = true
  #lastWasKey = false
  readonly #av: NodeAv
  #encoder: Encoder | undefined
  readonly #decoding: Context
  #toBgr: ToBgr | undefined
  readonly #packet: InstanceType<NodeAv['Packet']>
  readonly #input: InstanceType<NodeAv['Packet']>
  readonly #decoded: Frame
  #picture = Buffer.alloc(0)
  #pts = 0n
  #forceKey = false
  #kbps: number

  constructor(
    private readonly format: AvVideoFormat,
    private readonly fps: number,
    kbps: number,
  ) {
    this.name = format.name
    this.#av = loadNodeAv()
    this.#kbps = clampKbps(kbps)
    const av = this.#av
    const decoder = av.Codec.findDecoderByName(format.decoder(av))!
    this.#decoding = new av.CodecContext()
    this.#decoding.allocContext3(decoder)
    // One thread: frame threading would hold pictures back by a frame per thread.
    this.#decoding.threadCount = 1
    // Set on the context before opening, as the encoder's options are (see the class comment).
    check(this.#decoding.setOption('max_pixels', String(VIDEO_MAX_SIDE * VIDEO_MAX_SIDE)), `set the ${format.label} decoder's max_pixels`)
    check(this.#decoding.open2Sync(decoder, null), `open the ${format.label} decoder`)
    this.#packet = new av.Packet()
    this.#packet.alloc()
    this.#input = new av.Packet()
    this.#input.alloc()
    this.#decoded = new av.Frame()
    this.#decoded.alloc()
  }

  get lastWasKey(): boolean {
    return this.#lastWasKey
  }

  forceKeyframe(): void {
    this.#forceKey = true
  }

  setBitrate(kbps: number): void {
    const clamped = clampKbps(kbps)
    const reopen = this.format.bitrateChange === 'reopen'
    // The encoder reconfigures itself (or opens again) on every change, and gcc's target moves a little every frame:
    // small moves wait.
    if (Math.abs(clamped - this.#kbps) < this.#kbps * (reopen ? REOPEN_BITRATE_STEP : BITRATE_STEP)) return
    this.#kbps = clamped
    const encoder = this.#encoder
    if (!encoder) return
    if (reopen) {
      // Only the codec's context, freed at once (see #closeEncoder): the conversion and its frames stay, being of the
      // same size (allocating them anew each time leaked ~0.5 MB a reopen, measured).
      encoder.context.freeContext()
      encoder.context = this.#openContext(encoder.yuv.width, encoder.yuv.height)
    } else {
      this.#setRate(encoder.context)
    }
  }

  async encode(frame: VideoFrame): Promise<Buffer> {
    const encoder = this.#encoderFor(frame)
    const {input, yuv, context} = encoder
    const {label} = this.format
    const rowBytes = frame.width * (frame.format === 'bgr' ? 3 : 1)
    if (frame.data.length < rowBytes * frame.height) throw new Error(`a ${frame.width}x${frame.height} frame of ${frame.data.length} bytes`)
    // The encoder may still hold the last frame's planes: writable first (a copy only if it does).
    check(input.makeWritable(), 'make the frame writable')
    check(yuv.makeWritable(), 'make the YUV frame writable')
    const [plane] = input.data!
    const stride = input.linesize[0]
    for (let y = 0; y < frame.height; y++) frame.data.copy(plane, y * stride, y * rowBytes, (y + 1) * rowBytes)
    check(encoder.scaler.scaleFrameSync(yuv, input), 'convert the frame to YUV')
    yuv.pts = this.#pts++
    yuv.pictType = this.#forceKey ? this.#av.AV_PICTURE_TYPE_I : this.#av.AV_PICTURE_TYPE_NONE
    this.#forceKey = false
    check(context.sendFrameSync(yuv), `encode the ${label} frame`)
    // Real-time settings (no lookahead, no B-frames or alt-refs): every frame gives its packet at once.
    check(context.receivePacketSync(this.#packet), `take the ${label} packet`)
    const packet = Buffer.from(this.#packet.data!)
    this.#lastWasKey = this.#packet.isKeyframe
    this.#packet.unref()
    return packet
  }

  async decode(payload: Buffer): Promise<VideoFrame> {
    return this.decodeSync(payload)
  }

  /** One packet back to a BGR picture (reused by the next decode); throws on one that gives no picture. */
  decodeSync(payload: Buffer): VideoFrame {
    const {label} = this.format
    if (payload.length === 0) throw new Error(`an empty ${label} packet`)
    this.#input.data = payload
    const sent = this.#decoding.sendPacketSync(this.#input)
    this.#input.unref()
    check(sent, `decode the ${label} packet`)
    const got = this.#decoding.receiveFrameSync(this.#decoded)
    if (got === this.#av.AVERROR_EAGAIN) throw new Error(`the ${label} packet gave no picture`)
    check(got, 'take the decoded picture')
    try {
      const {width, height} = this.#decoded
      if (width < 2 || height < 2 || width > VIDEO_MAX_SIDE || height > VIDEO_MAX_SIDE) throw new Error(`the ${label} picture is ${width}x${height}`)
      const out = this.#bgrFor(width, height, this.#decoded.format as number)
      check(out.frame.makeWritable(), 'make the BGR frame writable')
      // A failure is an undecodable frame (the receiver counts it and asks for a keyframe), not a crash.
      check(out.scaler.scaleFrameSync(out.frame, this.#decoded), 'convert the decoded picture to BGR')
      const bytes = width * height * 3
      if (this.#picture.length < bytes) this.#picture = Buffer.alloc(bytes)
      const data = this.#picture.subarray(0, bytes)
      const [plane] = out.frame.data!
      const stride = out.frame.linesize[0]
      for (let y = 0; y < height; y++) plane.copy(data, y * width * 3, y * stride, y * stride + width * 3)
      return {width, height, format: 'bgr', data}
    } finally {
      this.#decoded.unref()
    }
  }

  #encoderFor(frame: VideoFrame): Encoder {
    const current = this.#encoder
    if (current && current.width === frame.width && current.height === frame.height && current.format === frame.format) return current
    this.#closeEncoder()
    const av = this.#av
    const {label} = this.format
    const width = frame.width & ~1
    const height = frame.height & ~1
    if (width < 2 || height < 2) throw new Error(`a ${frame.width}x${frame.height} frame is too small for ${label}`)
    const context = this.#openContext(width, height)
    const inputFormat = frame.format === 'bgr' ? av.AV_PIX_FMT_BGR24 : av.AV_PIX_FMT_GRAY8
    const scaler = new av.SoftwareScaleContext()
    scaler.getContext(frame.width, frame.height, inputFormat, width, height, av.AV_PIX_FMT_YUV420P, av.SWS_BILINEAR)
    this.#encoder = {context, scaler, input: videoFrame(av, frame.width, frame.height, inputFormat), yuv: videoFrame(av, width, height, av.AV_PIX_FMT_YUV420P), width: frame.width, height: frame.height, format: frame.format}
    return this.#encoder
  }

  /** The codec's context for pictures of `width` x `height` (YUV 4:2:0), open. Its first frame is a keyframe. */
  #openContext(width: number, height: number): Context {
    const av = this.#av
    const {label} = this.format
    const encoder = av.Codec.findEncoderByName(this.format.encoder(av))!
    const context = new av.CodecContext()
    context.allocContext3(encoder)
    context.width = width
    context.height = height
    context.pixelFormat = av.AV_PIX_FMT_YUV420P
    context.timeBase = new av.Rational(1, this.fps)
    context.framerate = new av.Rational(this.fps, 1)
    context.gopSize = KEYFRAME_INTERVAL_S * this.fps
    context.maxBFrames = 0
    this.#setRate(context)
    // Set on the context, not passed to open2Sync as a Dictionary (see the class comment).
    for (const [name, value] of Object.entries(this.format.encoderOptions)) check(context.setOption(name, value), `set the ${label} encoder's ${name}`)
    check(context.open2Sync(encoder, null), `open the ${label} encoder`)
    // A new encoder starts with a keyframe of its own.
    this.#forceKey = false
    return context
  }

  #setRate(context: Context): void {
    const bps = this.#kbps * 1000
    context.bitRate = BigInt(bps)
    context.rcMaxRate = BigInt(bps)
    if (this.format.constantRate) context.rcMinRate = BigInt(bps)
    // A buffer of an eighth of a second (about 4 frames at 30 fps): what one frame may take above the average. With
    // half a second, each periodic keyframe at a target near the link's rate came as a burst of ~0.4 s of the link:
    // on 2 Mbit/s it queued the audio behind it (2-3 underruns a run), raised the latency past the bound and made
    // the adaptation cut the picture to half size. The price: a smaller, blurrier keyframe the next frames mend
    // (testsrc2 at 800 kbit/s: PSNR 38.3 dB against 39.1; bench/results/codecs-vbv-2026-12-04.json).
    context.rcBufferSize = bps / 8
  }

  /**
   * Free the encoder's native memory now: the garbage collector does not (a libvpx encoder of 640x480 left to it kept
   * ~11 MB each, so a stream that reopened it on every change of bitrate grew by gigabytes).
   */
  #closeEncoder(): void {
    const encoder = this.#encoder
    this.#encoder = undefined
    if (!encoder) return
    encoder.context.freeContext()
    encoder.scaler.freeContext()
    encoder.input.free()
    encoder.yuv.free()
  }

  #bgrFor(width: number, height: number, format: number): ToBgr {
    const current = this.#toBgr
    if (current && current.width === width && current.height === height && current.format === format) return current
    if (current) {
      // As the encoder's (#closeEncoder): freed now, not left to the garbage collector.
      current.scaler.freeContext()
      current.frame.free()
    }

    const av = this.#av
    const scaler = new av.SoftwareScaleContext()
    scaler.getContext(width, height, format as import('node-av').AVPixelFormat, width, height, av.AV_PIX_FMT_BGR24, av.SWS_BILINEAR)
    this.#toBgr = {scaler, frame: videoFrame(av, width, height, av.AV_PIX_FMT_BGR24), width, height, format}
    return this.#toBgr
  }
}

function clampKbps(kbps: number): number {
  return Math.round(Math.min(VIDEO_MAX_KBPS, Math.max(VIDEO_MIN_KBPS, kbps)))
}

function videoFrame(av: NodeAv, width: number, height: number, format: import('node-av').AVPixelFormat): Frame {
  const frame = new av.Frame()
  frame.alloc()
  frame.width = width
  frame.height = height
  frame.format = format
  check(frame.getBuffer(0), 'allocate a video frame')
  return frame
}

function check(code: number, what: string): void {
  if (code < 0) throw new Error(`${what}: FFmpeg error ${code}`)
}
