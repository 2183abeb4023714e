import {CHANNELS, type VideoCodec, type VideoFrame} from '../types.js'

/** What adaptation asks of one frame's encoding: its size and, for JPEG, its quality. */
export interface FrameEncoding {
  width: number
  height: number
  quality: number
}

/**
 * A codec that can scale and set the quality per frame itself (the OpenCV JPEG codec: resize, then encode on the
 * thread pool). Codecs without it get the frame scaled here, in JavaScript, and ignore the quality.
 */
export interface TunableVideoCodec extends VideoCodec {
  readonly tunable: true
  encode(frame: VideoFrame, encoding?: FrameEncoding): Promise<Buffer>
}

function isTunable(codec: VideoCodec): codec is TunableVideoCodec {
  return (codec as Partial<TunableVideoCodec>).tunable === true
}

/** Encode `frame` at `encoding` (the frame as it is when the size matches and the quality is the codec's own). */
export async function encodeAt(codec: VideoCodec, frame: VideoFrame, encoding: FrameEncoding): Promise<Buffer> {
  if (isTunable(codec)) return codec.encode(frame, encoding)
  return codec.encode(frame.width === encoding.width && frame.height === encoding.height ? frame : scaleFrame(frame, encoding.width, encoding.height))
}

/** Nearest-neighbour scaling: crude, but cheap enough per frame and it keeps the stamped blocks readable. */
export function scaleFrame(frame: VideoFrame, width: number, height: number): VideoFrame {
  const channels = CHANNELS[frame.format]
  const data = Buffer.allocUnsafe(width * height * channels)
  const columns = Array.from({length: width}, (_, x) => Math.min(frame.width - 1, Math.floor(((x + 0.5) * frame.width) / width)) * channels)
  for (let y = 0; y < height; y++) {
    const from = Math.min(frame.height - 1, Math.floor(((y + 0.5) * frame.height) / height)) * frame.width * channels
    let to = y * width * channels
    for (let x = 0; x < width; x++) {
      const source = from + columns[x]
      for (let c = 0; c < channels; c++) data[to++] = frame.data[source + c]
    }
  }

  return {width, height, format: frame.format, data}
}
