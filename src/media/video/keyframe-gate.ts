/** While the receiver waits for a keyframe, it asks again this often (the request, or the keyframe, may be lost). */
export const KEYFRAME_REQUEST_REPEAT_US = 300_000

/**
 * The receiver's rule for a stream whose frames refer to earlier ones (H.264, VP8): a frame is decoded only if the frame
 * before it was (its sequence number follows the last one seen) or it is a keyframe. After a gap — a frame the jitter
 * buffer skipped as missing or late, one the sink's backlog dropped, one held back while the peer had video off, or a
 * decode that failed — every frame is skipped until a keyframe comes, and a keyframe request is due: at once, then
 * every KEYFRAME_REQUEST_REPEAT_US while still waiting. A receiver that joins late (its first frame is no keyframe)
 * asks the same way. Frames are admitted in play order (the jitter buffer's); sequence numbers are u32 and wrap.
 * Pure: every method takes the current time.
 */
export class KeyframeGate {
  #lastSeq: number | undefined
  #waiting = true
  #requestedUs: number | undefined
  #firstSkipped: number | undefined
  #skipped = 0
  #requests = 0

  /** Frames skipped because a frame they refer to was not decoded. */
  get skipped(): number {
    return this.#skipped
  }

  /** Keyframe requests made so far (the next one's number is this, mod 2^16). */
  get requests(): number {
    return this.#requests
  }

  /** A frame in play order: decode it, or skip it because its reference is missing. */
  admit(seq: number, key: boolean): 'decode' | 'skip' {
    const follows = this.#lastSeq !== undefined && ((seq - this.#lastSeq) >>> 0) === 1
    this.#lastSeq = seq
    if (key) {
      this.#waiting = false
      this.#requestedUs = undefined
      return 'decode'
    }

    if (!follows) this.#lose(seq)
    if (!this.#waiting) return 'decode'
    this.#firstSkipped ??= seq
    this.#skipped++
    return 'skip'
  }

  /** The decoder failed on the last frame admitted: the frames after it cannot decode either. */
  failed(): void {
    if (this.#lastSeq !== undefined) this.#lose(this.#lastSeq)
  }

  /**
   * A keyframe request to send now, if one is due: its number and the newest frame taken since the loss (skipped, or
   * failed to decode). The sender ignores a request whose frame is before its last keyframe (asked before that
   * keyframe arrived), so a repeat names the newest frame: if the keyframe was lost, frames after it have been
   * skipped since. None before the first frame (the sender starts with a keyframe).
   */
  requestDue(nowUs: number): {requestNumber: number; seq: number} | undefined {
    if (!this.#waiting || this.#firstSkipped === undefined || this.#lastSeq === undefined) return undefined
    if (this.#requestedUs !== undefined && nowUs - this.#requestedUs < KEYFRAME_REQUEST_REPEAT_US) return undefined
    this.#requestedUs = nowUs
    return {requestNumber: this.#requests++ & 0xffff, seq: this.#lastSeq}
  }

  /**
   * A keyframe request now, though nothing was lost (a recording starts and wants one): it names the newest frame, so
   * the sender makes one. None before the first frame (the sender starts with a keyframe).
   */
  requestNow(): {requestNumber: number; seq: number} | undefined {
    if (this.#lastSeq === undefined) return undefined
    return {requestNumber: this.#requests++ & 0xffff, seq: this.#lastSeq}
  }

  #lose(seq: number): void {
    if (this.#waiting && this.#firstSkipped !== undefined) return
    this.#waiting = true
    this.#requestedUs = undefined
    this.#firstSkipped = seq
  }
}
