import {IvcError} from '../../cli/errors.js'
import {loadOpenCV, type OpenCV} from '../native.js'
import type {VideoFrame, VideoSource} from '../../media/types.js'

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

  async read(): Promise<VideoFrame | undefined> {
    let mat = this.#pending ?? (await this.#capture.readAsync())
    this.#pending = undefined
    if (!mat || mat.empty) return undefined
    // Synchronous on purpose: resizeAsync aborts V8 after a while (see JpegCodec.encode); both take well under 1 ms.
    if (mat.cols !== this.width || mat.rows !== this.height) mat = mat.resize(this.height, this.width)
    if (mat.channels === 1) mat = mat.cvtColor(this.#cv.COLOR_GRAY2BGR)
    return {width: this.width, height: this.height, format: 'bgr', data: mat.getData()}
  }

  async close(): Promise<void> {
    this.#capture.release()
  }
}
