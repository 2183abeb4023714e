import {readSeq, STAMP_MODULO} from '../../media/video/frame-stamp.js'
import type {SinkFrame, SinkReport, VideoSink} from '../../media/types.js'

/**
 * Reads every frame's stamped number back from its pixels (it passes no format through, so the receiver decodes every
 * frame for it): counts frames, frames whose stamp goes back (out of order), and frames that still show the previous
 * one's stamp (repeated). Proof of order and count without a screen.
 *
 * A repeat is not an order fault: the receiver never hands the sink a frame twice (the jitter buffer drops duplicates),
 * but an inter-frame codec at its bitrate floor may code the stamp's strip as unchanged (skipped blocks), so the
 * picture shows the last frame's number. Measured: libx264 at 100 kbit/s (its floor here), 640x480, one such frame in
 * 600; none at 200 kbit/s and above, none with JPEG.
 */
export class NullSink implements VideoSink {
  readonly name = 'null'
  readonly failed = new Promise<Error>(() => {})
  #last: number | undefined
  #report = {dropped: 0, outOfOrder: 0, repeated: 0, unreadable: 0, verified: 0}

  async render(frame: SinkFrame): Promise<'rendered'> {
    const stamp = frame.picture && readSeq(frame.picture)

    if (stamp === undefined) this.#report.unreadable++
    else {
      this.#report.verified++
      // Stamps wrap at 2^24: "after" means a forward distance of less than half the range.
      if (this.#last !== undefined) {
        const forward = (stamp - this.#last + STAMP_MODULO) % STAMP_MODULO
        if (forward === 0) this.#report.repeated++
        else if (forward >= STAMP_MODULO / 2) this.#report.outOfOrder++
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
