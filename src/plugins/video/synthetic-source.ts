import {stampHeight, stampSeq} from '../../media/video/frame-stamp.js'
import {CHANNELS, FRAME_REUSE_AFTER, type PixelFormat, type VideoFrame, type VideoSource} from '../../media/types.js'

/**
 * A moving test pattern in pure JavaScript: smooth colour gradients with bars that scroll sideways 4 px a frame,
 * every frame stamped with its number (frame-stamp.ts). The pattern is rendered once at twice the width; a frame is
 * then one memcpy per row at a shifting offset, so 1280x720 costs well under a millisecond. Frames are drawn into a
 * ring of FRAME_REUSE_AFTER + 1 buffers (VideoSource allows it): a new buffer a frame cost more than the drawing, in
 * page faults and in the garbage collections its external memory set off (issue 12's profile).
 */
export class SyntheticSource implements VideoSource {
  readonly #wide: Buffer
  readonly #channels: number
  readonly #ring: Buffer[]
  #seq = 0

  constructor(
    readonly width: number,
    readonly height: number,
    readonly format: PixelFormat = 'bgr',
  ) {
    this.#channels = CHANNELS[format]
    this.#wide = renderPattern(width * 2, height, this.#channels)
    this.#ring = Array.from({length: FRAME_REUSE_AFTER + 1}, () => Buffer.alloc(width * height * this.#channels))
  }

  async read(): Promise<VideoFrame> {
    const {width, height} = this
    const rowBytes = width * this.#channels
    const data = this.#ring[this.#seq % this.#ring.length]
    const shift = ((this.#seq * 4) % width) * this.#channels
    for (let y = stampHeight(height); y < height; y++) this.#wide.copy(data, y * rowBytes, y * rowBytes * 2 + shift, y * rowBytes * 2 + shift + rowBytes)
    const frame: VideoFrame = {width, height, format: this.format, data}
    stampSeq(frame, this.#seq++)
    return frame
  }

  async close(): Promise<void> {}
}

function renderPattern(width: number, height: number, channels: number): Buffer {
  const out = Buffer.alloc(width * height * channels)
  const period = width / 2
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const xp = x % period
      const bar = Math.floor((xp / period) * 8) % 2 === 0
      const i = (y * width + x) * channels
      const blue = (xp * 255) / period
      const green = (y * 255) / height
      const red = bar ? 200 : 60
      if (channels === 1) out[i] = Math.round((blue + green + red) / 3)
      else {
        out[i] = blue
        out[i + 1] = green
        out[i + 2] = red
      }
    }
  }

  return out
}
