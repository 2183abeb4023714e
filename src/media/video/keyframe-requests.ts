import {isNewerReport} from '../../protocol/media-feedback.js'

/**
 * A request arriving this soon after a keyframe went out is not honoured: it was most likely sent before that keyframe
 * arrived (the receiver asks again after 300 ms if it still waits), and a keyframe costs several frames' bits.
 */
export const MIN_KEYFRAME_GAP_US = 250_000

/**
 * The sender's side of keyframe requests (like RTCP PLI): a receiver that cannot decode asks, and the next frame is
 * encoded as a keyframe, at most one per MIN_KEYFRAME_GAP_US; a request not newer (mod 2^16) than the last one heard
 * is ignored, as a duplicate or reordered. Pure: every method takes the current time.
 */
export class KeyframeRequests {
  #lastNumber: number | undefined
  #lastKeyUs: number | undefined
  #pending = false
  #honoured = 0
  #ignored = 0

  get honoured(): number {
    return this.#honoured
  }

  get ignored(): number {
    return this.#ignored
  }

  /** A receiver's request; true when it will be honoured (the next frame encoded is a keyframe). */
  onRequest(requestNumber: number, nowUs: number): boolean {
    const fresh = this.#lastNumber === undefined || isNewerReport(requestNumber, this.#lastNumber)
    if (fresh) this.#lastNumber = requestNumber
    if (!fresh || this.#pending || (this.#lastKeyUs !== undefined && nowUs - this.#lastKeyUs < MIN_KEYFRAME_GAP_US)) {
      this.#ignored++
      return false
    }

    this.#pending = true
    this.#honoured++
    return true
  }

  /** Before encoding a frame: whether it must be a keyframe (once per honoured request). */
  take(): boolean {
    const pending = this.#pending
    this.#pending = false
    return pending
  }

  /** A keyframe went out (asked for, or the encoder's own). */
  keyframeSent(nowUs: number): void {
    this.#lastKeyUs = nowUs
  }
}
