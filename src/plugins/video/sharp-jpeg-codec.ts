import {CHANNELS, type VideoFrame} from '../../media/types.js'
import type {FrameEncoding, TunableVideoCodec} from '../../media/video/encode-at.js'
import {loadSharp, type Sharp} from '../native.js'

/**
 * JPEG through sharp (libvips), the fallback when OpenCV is not installed. libvips wants RGB where our frames are
 * BGR, so colour frames have their channels swapped on the way in and out (about a millisecond at 640x480).
 */
export class SharpJpegCodec implements TunableVideoCodec {
  readonly name = 'jpeg'
  readonly tunable = true
  readonly #sharp: Sharp

  constructor(private readonly quality = 80) {
    this.#sharp = loadSharp()
  }

  async encode(frame: VideoFrame, encoding?: FrameEncoding): Promise<Buffer> {
    const channels = CHANNELS[frame.format]
    const pixels = channels === 3 ? swapRedBlue(frame.data) : frame.data
    let image = this.#sharp(pixels, {raw: {width: frame.width, height: frame.height, channels}})
    if (encoding && (encoding.width !== frame.width || encoding.height !== frame.height)) image = image.resize(encoding.width, encoding.height, {fit: 'fill'})
    return image.jpeg({quality: Math.round(encoding?.quality ?? this.quality)}).toBuffer()
  }

  async decode(payload: Buffer): Promise<VideoFrame> {
    const {data, info} = await this.#sharp(payload).raw().toBuffer({resolveWithObject: true})
    if (info.channels === 1) return {width: info.width, height: info.height, format: 'gray', data}
    const rgb = info.channels === 3 ? data : await this.#sharp(payload).removeAlpha().raw().toBuffer()
    return {width: info.width, height: info.height, format: 'bgr', data: swapRedBlue(rgb)}
  }
}

/** BGR ⇄ RGB: the same swap both ways. */
function swapRedBlue(pixels: Buffer): Buffer {
  const out = Buffer.allocUnsafe(pixels.length)
  for (let index = 0; index < pixels.length; index += 3) {
    out[index] = pixels[index + 2]
    out[index + 1] = pixels[index + 1]
    out[index + 2] = pixels[index]
  }

  return out
}
