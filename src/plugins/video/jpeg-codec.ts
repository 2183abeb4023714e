import {loadOpenCV, type OpenCV} from '../native.js'
import {CHANNELS, type VideoCodec, type VideoFrame} from '../../media/types.js'

/**
 * JPEG through OpenCV imencode/imdecode, on libuv's thread pool (the async variants), so encoding one frame does not
 * hold up the socket work of the next. Mats wrap our Buffers directly (building one with a fill value costs ~60 ms).
 */
export class JpegCodec implements VideoCodec {
  readonly name = 'jpeg'
  readonly #cv: OpenCV

  constructor(private readonly quality = 80) {
    this.#cv = loadOpenCV()
  }

  async encode(frame: VideoFrame): Promise<Buffer> {
    const cv = this.#cv
    const type = CHANNELS[frame.format] === 3 ? cv.CV_8UC3 : cv.CV_8UC1
    const mat = new cv.Mat(frame.data, frame.height, frame.width, type)
    return cv.imencodeAsync('.jpg', mat, [cv.IMWRITE_JPEG_QUALITY, this.quality])
  }

  async decode(payload: Buffer): Promise<VideoFrame> {
    const mat = await this.#cv.imdecodeAsync(payload, this.#cv.IMREAD_UNCHANGED)
    if (mat.empty) throw new Error('not a JPEG image')
    return {width: mat.cols, height: mat.rows, format: mat.channels === 1 ? 'gray' : 'bgr', data: mat.getData()}
  }
}
