import type {Clock} from '../foundation/clock.js'
import type {UiStream} from '../plugins/ui-socket.js'

/** Audio a page has left unread beyond this is skipped: that page has stopped reading. */
export const MAX_AUDIO_BACKLOG_BYTES = 64 * 1024
/** A picture the page has not said it took within this is taken as lost: the next one goes. */
export const TAKE_TIMEOUT_US = 1_000_000

/**
 * What one page is sent of the call's media. Pictures go one at a time per stream: the next only once the page has
 * said it took the last (`taken`, painted or skipped), so a page slower than the stream gets fewer, newer pictures
 * instead of a backlog, in the WebSocket or in the kernel's socket buffers, which the ui process cannot see (on
 * loopback they hold seconds of video). Audio goes while the page reads: its worklet keeps only the newest frames.
 */
export class PageFeed {
  readonly #sentUs: Partial<Record<UiStream, number>> = {}

  constructor(private readonly clock: Clock) {}

  /** Whether a frame of `stream` goes to the page now, given the bytes its socket has not yet sent; a picture that goes is in flight. */
  offer(stream: UiStream, unsentBytes: number): boolean {
    if (stream === 'audio') return unsentBytes < MAX_AUDIO_BACKLOG_BYTES
    const nowUs = this.clock.monotonicUs()
    const sentUs = this.#sentUs[stream]
    if (sentUs !== undefined && nowUs - sentUs < TAKE_TIMEOUT_US) return false
    this.#sentUs[stream] = nowUs
    return true
  }

  /** The page is done with the picture of `stream` it was sent. */
  taken(stream: UiStream): void {
    delete this.#sentUs[stream]
  }
}
