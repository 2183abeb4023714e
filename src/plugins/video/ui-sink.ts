import type {SinkFrame, SinkReport, VideoCodec, VideoSink} from '../../media/types.js'
import {UiSocket} from '../ui-socket.js'

/**
 * Hands each frame, as JPEG, to `ivc ui` over one of its local sockets (plugins/ui-socket.ts); the ui process forwards
 * it to the page. The peer's video arrives as MJPEG and passes as it is; a picture (the self-view's, which taps the
 * capture before encoding, or a stream in raw) is encoded first, with a JPEG codec loaded at the first one, so a
 * receiver of MJPEG never loads one. A frame the socket cannot take at once is dropped and counted, never queued.
 */
export class UiSink implements VideoSink {
  readonly name = 'ui'
  readonly passes = ['mjpeg'] as const
  readonly failed = new Promise<Error>(() => {})
  readonly #socket: UiSocket
  #codec: Promise<VideoCodec> | undefined
  #report = {dropped: 0, forwarded: 0}

  constructor(
    path: string,
    private readonly jpegCodec: () => Promise<VideoCodec>,
  ) {
    this.#socket = new UiSocket(path)
  }

  async render(frame: SinkFrame): Promise<'rendered' | 'dropped'> {
    const jpeg = frame.encoded ? (frame.encoded.format === 'mjpeg' ? frame.encoded.payload : undefined) : await (this.#codec ??= this.jpegCodec()).then((codec) => codec.encode(frame.picture))
    if (!jpeg || !this.#socket.send(frame.seq, jpeg)) {
      this.#report.dropped++
      return 'dropped'
    }

    this.#report.forwarded++
    return 'rendered'
  }

  get report(): SinkReport {
    return {...this.#report}
  }

  async close(): Promise<void> {
    this.#socket.close()
  }
}
