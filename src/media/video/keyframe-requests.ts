import {isNewerReport, type KeyframeRequest} from '../../protocol/media-feedback.js'

/**
 * At most one keyframe is made on request per this interval after the last keyframe (the encoder's own count too): a
 * keyframe costs several frames' bits, and a receiver that floods requests gets no more than four a second. A request
 * for a new loss that comes sooner is not dropped but waits for the interval's end, so a frame lost right after a
 * keyframe (a big keyframe fills the send queue, which then drops stale frames) costs at most this long.
 */
export const MIN_KEYFRAME_GAP_US = 250_000

/** What became of a request: it asks for a keyframe, or why not. */
export type KeyframeRequestVerdict =
  /** The next frame encoded, once MIN_KEYFRAME_GAP_US has passed since the last keyframe, is a keyframe. */
  | 'honoured'
  /** Not newer (mod 2^16) than the last request heard: a duplicate, or reordered. */
  | 'duplicate'
  /** Its frame is before the last keyframe's: the receiver asked before that keyframe reached it, and it repairs the loss. */
  | 'stale'
  /** A keyframe is already due: it repairs this loss too. */
  | 'pending'

/**
 * The sender's side of keyframe requests (like RTCP PLI): a receiver that cannot decode asks, naming the newest frame
 * it has taken since it lost its reference. A keyframe sent at or before that frame did not help the receiver (lost,
 * skipped as late, or undecodable), so the sender makes another; a request naming a frame before the last keyframe
 * left before that keyframe arrived, and is ignored (the receiver asks again if that keyframe never comes: its
 * repeat names a later frame). Pure: every method takes the current time.
 */
export class KeyframeRequests {
  #lastNumber: number | undefined
  #lastKeySeq: number | undefined
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

  /** A receiver's request. */
  onRequest(request: KeyframeRequest): KeyframeRequestVerdict {
    const verdict = this.#judge(request)
    if (verdict === 'honoured') {
      this.#pending = true
      this.#honoured++
    } else {
      this.#ignored++
    }

    return verdict
  }

  /** This side wants a keyframe (a recording starts): the next frame after the gap is one, as for a request. */
  want(): void {
    this.#pending = true
  }

  /** Before encoding a frame at `nowUs`: whether it must be a keyframe (once per honoured request, after the gap). */
  take(nowUs: number): boolean {
    if (!this.#pending || (this.#lastKeyUs !== undefined && nowUs - this.#lastKeyUs < MIN_KEYFRAME_GAP_US)) return false
    this.#pending = false
    return true
  }

  /** A keyframe (asked for, or the encoder's own) went out as frame `seq`: it repairs every loss reported so far. */
  keyframeSent(seq: number, nowUs: number): void {
    this.#lastKeySeq = seq
    this.#lastKeyUs = nowUs
    this.#pending = false
  }

  #judge({requestNumber, seq}: KeyframeRequest): KeyframeRequestVerdict {
    if (this.#lastNumber !== undefined && !isNewerReport(requestNumber, this.#lastNumber)) return 'duplicate'
    this.#lastNumber = requestNumber
    if (this.#lastKeySeq !== undefined && seqDistance(seq, this.#lastKeySeq) < 0) return 'stale'
    return this.#pending ? 'pending' : 'honoured'
  }
}

/** `a - b` for u32 sequence numbers that wrap (serial-number arithmetic). */
function seqDistance(a: number, b: number): number {
  return ((a - b + 2 ** 31) >>> 0) - 2 ** 31
}
