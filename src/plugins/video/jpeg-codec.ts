import {loadOpenCV, type OpenCV} from '../native.js'
import {CHANNELS, type VideoFrame} from '../../media/types.js'
import type {FrameEncoding, TunableVideoCodec} from '../../media/video/encode-at.js'

/**
 * JPEG through OpenCV imencode/imdecode, on libuv's thread pool (their async variants), so encoding one frame does not
 * hold up the socket work of the next. Adaptation may ask for a smaller size (area resize, on the main thread: see
 * encode) and another quality, frame by frame.
 * No fresh megabyte a frame on the main thread (issue 12's profile: those cost more than the JPEG work, in page faults
 * and in the garbage collections their external memory set off): encode wraps the frame's Buffer in a Mat without a
 * copy (`new Mat(rows, cols, type, data)`; `new Mat(data, rows, cols, type)` copies), and decode copies the picture
 * into a Buffer it keeps (VideoCodec lets the next decode reuse it) and frees OpenCV's at once.
 */
export class JpegCodec implements TunableVideoCodec {
  readonly name = 'jpeg'
  readonly tunable = true
  readonly #cv: OpenCV
  /** decode's output, grown to the largest picture seen; each decode uses its first bytes. */
  #decoded = Buffer.alloc(0)

  constructor(private readonly quality = 80) {
    this.#cv = loadOpenCV()
  }

  async encode(frame: VideoFrame, encoding?: FrameEncoding): Promise<Buffer> {
    const cv = this.#cv
    const type = CHANNELS[frame.format] === 3 ? cv.CV_8UC3 : cv.CV_8UC1
    const wrapped = new cv.Mat(frame.height, frame.width, type, frame.data)
    // Resize synchronously: resizeAsync of @u4/opencv4nodejs 7 aborts V8 within a few thousand calls ("Check failed:
    // marking_done_" in a garbage collection); the area resize of a 640x480 frame takes well under a millisecond.
    const scaled = encoding && (encoding.width !== frame.width || encoding.height !== frame.height)
    const mat = scaled ? wrapped.resize(encoding.height, encoding.width, 0, 0, cv.INTER_AREA) : wrapped
    const jpeg: Buffer = await cv.imencodeAsync('.jpg', mat, [cv.IMWRITE_JPEG_QUALITY, Math.round(encoding?.quality ?? this.quality)])
    // The Mat only points at frame.data: holding the frame until here keeps its memory alive while the thread pool reads it.
    keepAlive(frame)
    // A resized copy is OpenCV's memory: free it now rather than at some later garbage collection.
    if (scaled) mat.release()
    return jpeg
  }

  async decode(payload: Buffer): Promise<VideoFrame> {
    const cv = this.#cv
    const mat = await cv.imdecodeAsync(payload, cv.IMREAD_UNCHANGED)
    if (mat.empty) {
      mat.release()
      throw new Error('not a JPEG image')
    }
    const {rows: height, cols: width, channels} = mat
    // A JPEG decodes to 1 or 3 channels; anything else (none is known) is returned as OpenCV gives it.
    if (channels !== 1 && channels !== 3) return {width, height, format: 'bgr', data: mat.getData()}
    const bytes = width * height * channels
    if (this.#decoded.length < bytes) this.#decoded = Buffer.alloc(bytes)
    const data = this.#decoded.subarray(0, bytes)
    mat.copyTo(new cv.Mat(height, width, channels === 1 ? cv.CV_8UC1 : cv.CV_8UC3, data))
    mat.release()
    return {width, height, format: channels === 1 ? 'gray' : 'bgr', data}
  }
}

/** Referenced after an await, so the engine keeps `value` (and what it holds) alive until then. */
function keepAlive(value: unknown): void {
  void value
}
