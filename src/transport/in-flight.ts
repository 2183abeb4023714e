interface Entry {
  seq: number
  bytes: number
  sentUs: number
}

/** A lane holding this many unechoed frames takes no more (a peer that does not echo costs bounded memory). */
export const MAX_TRACKED_PER_LANE = 256

/**
 * What a sender's lanes have written and the receiver has not echoed yet: per lane, oldest first (TCP delivers a
 * lane's frames in the order they were written, so an echo of one frame means every frame before it on that lane
 * arrived too). A pure ledger fed writes and echoes, with the time passed in.
 */
export class InFlightLedger {
  readonly #lanes = new Map<number, {entries: Entry[]; bytes: number}>()
  #newestEchoedSentUs = Number.NEGATIVE_INFINITY
  /** Bytes echoed so far, over every lane. */
  deliveredBytes = 0

  /** A frame of `bytes` (header included) written on `lane` at `sentUs`. */
  written(lane: number, seq: number, bytes: number, sentUs: number): void {
    const entry = this.#lane(lane)
    entry.entries.push({seq, bytes, sentUs})
    entry.bytes += bytes
  }

  /** The receiver echoed `seq` from `lane`: it and everything written on the lane before it arrived. */
  echoed(lane: number, seq: number): void {
    const entry = this.#lane(lane)
    const at = entry.entries.findIndex((each) => each.seq === seq)
    if (at < 0) return
    for (const each of entry.entries.splice(0, at + 1)) {
      entry.bytes -= each.bytes
      this.deliveredBytes += each.bytes
      this.#newestEchoedSentUs = Math.max(this.#newestEchoedSentUs, each.sentUs)
    }
  }

  /** The lane is gone: what it had in flight will never be echoed. */
  forget(lane: number): void {
    this.#lanes.delete(lane)
  }

  /** Bytes in flight on one lane. */
  bytes(lane: number): number {
    return this.#lanes.get(lane)?.bytes ?? 0
  }

  /** Whether the lane tracks as many frames as it may (it takes no more until echoes come). */
  full(lane: number): boolean {
    return (this.#lanes.get(lane)?.entries.length ?? 0) >= MAX_TRACKED_PER_LANE
  }

  /** Bytes in flight over every lane. */
  get totalBytes(): number {
    let sum = 0
    for (const lane of this.#lanes.values()) sum += lane.bytes
    return sum
  }

  /**
   * How long the oldest frame still in flight among those written after the newest one echoed has been on its way
   * at `nowUs`, µs (0 with none): the queue the link is holding. Older unechoed frames are not counted: frames written
   * after them have arrived, so they wait for TCP to resend a lost segment on their lane, which new frames go around.
   */
  queueUs(nowUs: number): number {
    let oldest = Number.POSITIVE_INFINITY
    for (const lane of this.#lanes.values()) {
      const queued = lane.entries.find((entry) => entry.sentUs > this.#newestEchoedSentUs)
      if (queued) oldest = Math.min(oldest, queued.sentUs)
    }

    return Number.isFinite(oldest) ? Math.max(0, nowUs - oldest) : 0
  }

  #lane(lane: number): {entries: Entry[]; bytes: number} {
    let entry = this.#lanes.get(lane)
    if (!entry) this.#lanes.set(lane, (entry = {entries: [], bytes: 0}))
    return entry
  }
}
