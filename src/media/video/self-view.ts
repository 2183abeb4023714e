import type {Logger} from '../../foundation/logger.js'
import type {VideoFrame, VideoSink} from '../types.js'
import {stillFrame} from './still-frame.js'
import {SELF_VIDEO_OFF_LABEL, SELF_VIEW_SCALE, selfViewTitle} from './window-labels.js'

/** Where a self-view goes, as sink options: the ui page's self-view stream, or a half-size window titled for `user`. */
export function selfViewSinkOptions(sink: 'ffplay' | 'ui', user: string | undefined): {stream: 'self-view'} | {window: {title: string; scale: number}} {
  return sink === 'ui' ? {stream: 'self-view'} : {window: {title: selfViewTitle(user), scale: SELF_VIEW_SCALE}}
}

/**
 * The sender's own frames on a sink of their own (`--self-view`: a window beside the peer's): a tap off the capture,
 * before any encoding, that never slows the stream: a frame comes only when the sink has taken the last one, the rest
 * are skipped. While video is off it shows a still saying so. A self-view whose window is closed stops; the call goes on.
 */
export class SelfView {
  #busy = false
  #closed = false
  /** The still is showing (video is off). */
  #still = false
  /** One picture's pixels, ours: a source reuses its buffers (media/types.ts), the sink may hold ours a while. */
  #pixels: Buffer | undefined
  #seq = 0

  constructor(
    private readonly sink: VideoSink,
    private readonly logger: Logger,
  ) {
    void sink.failed.then((error) => {
      this.#closed = true
      logger.info(`self-view closed (${error.message}); the call goes on`)
    })
  }

  /** A captured frame, and whether it is being sent (video on). */
  show(frame: VideoFrame, sending: boolean, captureUs: number): void {
    if (this.#closed || this.#busy || (!sending && this.#still)) return
    const picture = sending ? this.#copy(frame) : stillFrame(SELF_VIDEO_OFF_LABEL, frame.width, frame.height, frame.format)
    this.#still = !sending
    this.#busy = true
    void this.sink
      .render({seq: this.#seq++, captureUs, picture})
      .catch((error: Error) => this.logger.debug(`self-view: ${error.message}`))
      .finally(() => (this.#busy = false))
  }

  async close(): Promise<void> {
    this.#closed = true
    await this.sink.close()
  }

  #copy(frame: VideoFrame): VideoFrame {
    if (this.#pixels?.length !== frame.data.length) this.#pixels = Buffer.alloc(frame.data.length)
    frame.data.copy(this.#pixels)
    return {...frame, data: this.#pixels}
  }
}
