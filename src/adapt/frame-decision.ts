import type {AdaptController} from './controller.js'
import type {SenderSignal} from './gcc-rate.js'
import type {Rung} from './ladder.js'

/**
 * The sender's decision for each captured frame, in one place for the video sender pipeline and the link
 * simulation that replays traces through it (test/adapt/link-sim.ts). Capture runs at the top frame rate; first the
 * controller hears the transport's state, then the rung's frame rate decides, by a credit of rung fps / top fps per
 * captured frame (at most one frame owed, so a rate that drops never bursts later), whether this frame is used, and
 * last the controller may skip one that would arrive too late. A frame it declines is its choice, not a drop.
 */
export class FrameDecision {
  #credit = 0

  constructor(
    private readonly controller: AdaptController,
    /** The capture rate: the top of the ladder. */
    private readonly captureFps: number,
  ) {}

  /** For a frame captured now: the encoding to send it at, or undefined to leave it out. */
  next(transport: SenderSignal, nowUs: number): Rung | undefined {
    const {controller} = this
    controller.onSenderState(transport, nowUs)
    const encoding = controller.encoding
    this.#credit = Math.min(1, this.#credit) + encoding.fps / this.captureFps
    if (this.#credit < 1 - 1e-9) return undefined
    this.#credit -= 1
    return controller.shouldSend(0, nowUs) ? encoding : undefined
  }

  /** The frame went out: `bytes` encoded at `encoding`, handed to the transport at `nowUs`. */
  sent(bytes: number, nowUs: number, encoding: Rung): void {
    this.controller.onFrameSent(bytes, nowUs, encoding)
  }
}
