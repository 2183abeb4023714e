import {createConnection, type Socket} from 'node:net'

import type {SinkFrame, SinkReport, VideoSink} from '../../media/types.js'
import {encodeHeader} from '../../protocol/media-message.js'

/**
 * Hands each frame, still MJPEG, to `ivc ui` over its local socket, as a media message (docs/protocol.md, "Media
 * messages": the same header as on the peer's lanes, so the ui process decodes it with the same decoder); the ui
 * process forwards it to the page. A frame the socket cannot take at once is dropped, never queued: the page wants
 * the newest picture, not a backlog. Without the ui process (not started, or gone) frames are dropped and counted.
 */
export class UiSink implements VideoSink {
  readonly name = 'ui'
  readonly passes = ['mjpeg'] as const
  readonly failed = new Promise<Error>(() => {})
  readonly #socket: Socket
  #connected = false
  #report = {dropped: 0, forwarded: 0}

  constructor(path: string) {
    this.#socket = createConnection(path, () => (this.#connected = true))
    // The ui process gone (or never there) costs the call nothing but its picture in the page.
    this.#socket.on('error', () => (this.#connected = false))
    this.#socket.on('close', () => (this.#connected = false))
  }

  async render(frame: SinkFrame): Promise<'rendered' | 'dropped'> {
    if (!frame.encoded || frame.encoded.format !== 'mjpeg' || !this.#connected || this.#socket.writableNeedDrain) {
      this.#report.dropped++
      return 'dropped'
    }

    const {payload} = frame.encoded
    this.#socket.write(encodeHeader({type: 'frame', flags: 0, seq: frame.seq, captureUs: frame.captureUs, senderDelayUs: 0, payloadLength: payload.length}))
    this.#socket.write(payload)
    this.#report.forwarded++
    return 'rendered'
  }

  get report(): SinkReport {
    return {...this.#report}
  }

  async close(): Promise<void> {
    this.#socket.destroy()
  }
}
