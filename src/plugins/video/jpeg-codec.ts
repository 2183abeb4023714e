import {loadOpenCV, type OpenCV} from '../native.js'
import {CHANNELS, type VideoFrame} from '../../media/types.js'
import type {FrameEncoding, TunableVideoCodec} from '../../media/video/encode-at.js'

/**
 * JPEG through OpenCV imencode/imdecode, on libuv's thread pool (their async variants), so encoding one frame does not
 * hold up the socket work of the next. Mats wrap our Buffers directly (building one with a fill value costs ~60 ms).
 * Adaptation may ask for a smaller size (area resize, on the main thread: see encode) and another quality, frame by
 * frame.
 */
export class JpegCodec implements TunableVideoCodec {
  readonly name = 'jpeg'
  readonly tunable = true
  readonly #cv: OpenCV

  constructor(private readonly quality = 80) {
    this.#cv = loadOpenCV()
  }

  async encode(frame: VideoFrame, encoding?: FrameEncoding): Promise<Buffer> {
    const cv = this.#cv
    const type = CHANNELS[frame.format] === 3 ? cv.CV_8UC3 : cv.CV_8UC1
    let mat = new cv.Mat(frame.data, frame.height, frame.width, type)
    // Resize synchronously: resizeAsync of @u4/opencv4nodejs 7 aborts V8 within a few thousand calls ("Check failed:
    // marking_done_" in a garbage collection); the area resize of a 640x480 frame takes well under a millisecond.
    if (encoding && (encoding.width !== frame.width || encoding.height !== frame.height)) mat = mat.resize(encoding.height, encoding.width, 0, 0, cv.INTER_AREA)
    return cv.imencodeAsync('.jpg', mat, [cv.IMWRITE_JPEG_QUALITY, Math.round(encoding?.quality ?? this.quality)])
  }

  async decode(payload: Buffer): Promise<VideoFrame> {
    const mat = await this.#cv.imdecodeAsync(payload, this.#cv.IMREAD_UNCHANGED)
    if (mat.empty) throw new Error('not a JPEG image')
    return {width: mat.cols, height: mat.rows, format: mat.channels === 1 ? 'gray' : 'bgr', data: mat.getData()}
  }
}
