import {readSeq, STAMP_MODULO} from '../../media/video/frame-stamp.js'
import type {SinkFrame, SinkReport, VideoSink} from '../../media/types.js'

/**
 * Reads every frame's stamped number back from its pixels (it passes no format through, so the receiver decodes every
 * frame for it): counts frames, and frames whose stamp does not come after the previous one (out of order or
 * repeated). Proof of order and count without a screen.
 */
export class NullSink implements VideoSink {
  readonly name = 'null'
  readonly failed = new Promise<Error>(() => {})
  #last: number | undefined
  #report = {dropped: 0, outOfOrder: 0, unreadable: 0, verified: 0}

  async render(frame: SinkFrame): Promise<'rendered'> {
    const stamp = frame.picture && readSeq(frame.picture)

    if (stamp === undefined) this.#report.unreadable++
    else {
      this.#report.verified++
      // Stamps wrap at 2^24: "after" means a forward distance of less than half the range.
      if (this.#last !== undefined) {
        const forward = (stamp - this.#last + STAMP_MODULO) % STAMP_MODULO
        if (forward === 0 || forward >= STAMP_MODULO / 2) this.#report.outOfOrder++
      }

      this.#last = stamp
    }

    return 'rendered'
  }

  get report(): SinkReport {
    return {...this.#report}
  }

  async close(): Promise<void> {}
}
