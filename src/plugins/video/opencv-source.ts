import {IvcError} from '../../foundation/errors.js'
import {loadOpenCV, type OpenCV} from '../native.js'
import {FRAME_REUSE_AFTER, type VideoFrame, type VideoSource} from '../../media/types.js'

/**
 * A webcam (device index, or a device path such as /dev/video0) or a video file, through OpenCV VideoCapture.
 * Frames come out BGR at the capture's own size, resized when a size was asked for. A file ends the stream at its end.
 */
export class OpenCVSource implements VideoSource {
  readonly width: number
  readonly height: number
  readonly #cv: OpenCV
  readonly #capture: OpenCV

  constructor(kind: 'camera' | 'file', target: string, size?: {width: number; height: number}) {
    const cv = loadOpenCV()
    this.#cv = cv
    const device = kind === 'camera' && /^\d+$/.test(target) ? Number(target) : target
    try {
      this.#capture = new cv.VideoCapture(device)
    } catch (error) {
      throw new IvcError(kind === 'camera' ? 'NO_DEVICE' : 'BAD_USAGE', `cannot open ${kind} ${target}: ${(error as Error).message}`, {
        suggestion: kind === 'camera' ? 'Check the camera is plugged in (ls /dev/video*) and pass --device N.' : 'Check the file exists and is a video ffmpeg can read.',
      })
    }

    if (kind === 'camera' && size) {
      this.#capture.set(cv.CAP_PROP_FRAME_WIDTH, size.width)
      this.#capture.set(cv.CAP_PROP_FRAME_HEIGHT, size.height)
    }

    const first = this.#capture.read()
    if (!first || first.empty) {
      this.#capture.release()
      throw new IvcError(kind === 'camera' ? 'NO_DEVICE' : 'BAD_USAGE', `${kind} ${target} gives no frames`)
    }

    this.width = size?.width ?? first.cols
    this.height = size?.height ?? first.rows
    this.#pending = first
  }

  #pending: OpenCV | undefined

  /** Frames are copied into a ring of FRAME_REUSE_AFTER + 1 buffers (VideoSource allows it), not into a fresh one each. */
  readonly #ring: Buffer[] = []
  #reads = 0

  async read(): Promise<VideoFrame | undefined> {
    const cv = this.#cv
    const captured = this.#pending ?? (await this.#capture.readAsync())
    this.#pending = undefined
    if (!captured || captured.empty) return undefined
    let mat = captured
    // Synchronous on purpose: resizeAsync aborts V8 after a while (see JpegCodec.encode); both take well under 1 ms.
    if (mat.cols !== this.width || mat.rows !== this.height) mat = mat.resize(this.height, this.width)
    if (mat.channels === 1) mat = mat.cvtColor(cv.COLOR_GRAY2BGR)
    // Anything but 8-bit BGR (none is known from a capture) is returned as OpenCV gives it, as before.
    if (mat.type !== cv.CV_8UC3) return {width: this.width, height: this.height, format: 'bgr', data: mat.getData()}
    // getData() would cost two fresh copies of the picture a frame (page faults, garbage collections: issue 12's profile).
    const slot = this.#reads++ % (FRAME_REUSE_AFTER + 1)
    const data = (this.#ring[slot] ??= Buffer.alloc(this.width * this.height * 3))
    mat.copyTo(new cv.Mat(this.height, this.width, cv.CV_8UC3, data))
    mat.release()
    captured.release()
    return {width: this.width, height: this.height, format: 'bgr', data}
  }

  async close(): Promise<void> {
    this.#capture.release()
  }
}
