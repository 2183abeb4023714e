import type {MediaKind} from './types.js'

/**
 * When a call's media counts as up for the person (`call.media-up`): every receiver has had its first frame, or the
 * peer has said it has that medium off (control.peer-media). A peer that starts with its camera off sends no video
 * frame until it turns it on; waiting for one held media-up back for the whole fallback (5 s), and the page's chat
 * and controls with it. A pure object: the session feeds it what happens and asks `up`.
 */
export class MediaFlow {
  readonly #awaited = new Set<MediaKind>()
  readonly #arrived = new Set<MediaKind>()
  readonly #peerOff = new Set<MediaKind>()

  /** A receiver of `kind` started: its first frame is awaited. */
  expect(kind: MediaKind): void {
    this.#awaited.add(kind)
  }

  /** A receiver stopped (the peer sends no more of it): nothing of `kind` is awaited. */
  forget(kind: MediaKind): void {
    this.#awaited.delete(kind)
  }

  firstFrame(kind: MediaKind): void {
    this.#arrived.add(kind)
  }

  /** The peer sends `kind` (on) or has it off. */
  peerSends(kind: MediaKind, on: boolean): void {
    if (on) this.#peerOff.delete(kind)
    else this.#peerOff.add(kind)
  }

  get up(): boolean {
    return [...this.#awaited].every((kind) => this.#arrived.has(kind) || this.#peerOff.has(kind))
  }
}
