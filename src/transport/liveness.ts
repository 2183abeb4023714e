import type {Clock} from '../foundation/clock.js'

/**
 * How long a peer may be silent. A stalled peer (a paused process, a laptop lid, a Wi-Fi roam) is not a dead one:
 * its TCP connections stay up, and it comes back with everything it had to say. A dead peer whose host is up
 * resets or closes its connections, which the socket reports at once, so silence only has to catch a peer whose
 * host vanished.
 */
export interface LivenessBounds {
  /** Silence this long shows the peer as stalled ("reconnecting…"). */
  stalledAfterMs: number
  /** Silence this long gives the peer up: the connection ends. */
  goneAfterMs: number
  /** How often `check` is called (the keepalive interval): a check much later than that means we were the ones paused. */
  checkEveryMs: number
}

/** The call's stall bound unless --stall-timeout says otherwise: long enough to ride out a paused process or a roam, short enough not to leave a person staring at a frozen call. */
export const DEFAULT_STALL_TIMEOUT_MS = 15_000
/** Shown as stalled after this much silence (the keepalives of both connections come every 0.5-1 s). */
export const STALLED_AFTER_MS = 2000

export type LivenessChange = {kind: 'stalled'; silentMs: number} | {kind: 'resumed'; silentMs: number} | {kind: 'gone'; silentMs: number}

/**
 * The liveness of one peer connection, fed with what happens: `heard` whenever anything arrives, `check` on every
 * keepalive tick. Each returns the change it makes, if any: stalled (silent past `stalledAfterMs`), resumed (heard
 * again after a stall), gone (silent past `goneAfterMs`, once; nothing follows it).
 *
 * A check that comes much later than `checkEveryMs` means this process was not running (stopped, suspended, starved):
 * the peer's bytes of that time wait unread in the socket, so that time is not counted as the peer's silence.
 */
export class PeerLiveness {
  #lastHeard: number
  #lastCheck: number
  #stalledSince: number | undefined
  #gone = false

  constructor(
    private readonly bounds: LivenessBounds,
    private readonly clock: Clock,
  ) {
    this.#lastHeard = clock.now()
    this.#lastCheck = this.#lastHeard
  }

  get stalled(): boolean {
    return this.#stalledSince !== undefined
  }

  /** Milliseconds since the peer was last heard (our own pauses not counted). */
  get silentMs(): number {
    return this.clock.now() - this.#lastHeard
  }

  heard(): LivenessChange | undefined {
    const now = this.clock.now()
    this.#lastHeard = now
    if (this.#stalledSince === undefined || this.#gone) return undefined
    const silentMs = now - this.#stalledSince
    this.#stalledSince = undefined
    return {kind: 'resumed', silentMs}
  }

  check(): LivenessChange | undefined {
    if (this.#gone) return undefined
    const now = this.clock.now()
    const late = now - this.#lastCheck - this.bounds.checkEveryMs
    this.#lastCheck = now
    // Late by more than a whole interval: we were paused, not the peer (what it sent meanwhile is still unread).
    if (late > this.bounds.checkEveryMs) this.#lastHeard = Math.min(now, this.#lastHeard + late)
    const silentMs = now - this.#lastHeard
    if (silentMs >= this.bounds.goneAfterMs) {
      this.#gone = true
      return {kind: 'gone', silentMs}
    }

    if (silentMs >= this.bounds.stalledAfterMs && this.#stalledSince === undefined) {
      // The stall began when the peer fell silent, not when we noticed.
      this.#stalledSince = this.#lastHeard
      return {kind: 'stalled', silentMs}
    }

    return undefined
  }
}
