import {CHANNELS, type PixelFormat, type VideoCodec, type VideoFrame} from '../../media/types.js'

/**
 * Uncompressed frames (for tests, and machines without OpenCV). Payload: width u16, height u16, channels u8 (1 gray,
 * 3 BGR), 3 reserved bytes, then exactly width × height × channels bytes. Anything else is refused, not guessed at.
 */
export const RAW_HEADER_BYTES = 8
export const MAX_RAW_SIDE = 8192

export class RawCodec implements VideoCodec {
  readonly name = 'raw'

  async encode(frame: VideoFrame): Promise<Buffer> {
    const header = Buffer.alloc(RAW_HEADER_BYTES)
    header.writeUInt16BE(frame.width, 0)
    header.writeUInt16BE(frame.height, 2)
    header.writeUInt8(CHANNELS[frame.format], 4)
    return Buffer.concat([header, frame.data])
  }

  async decode(payload: Buffer): Promise<VideoFrame> {
    return decodeRaw(payload)
  }
}

export function decodeRaw(payload: Buffer): VideoFrame {
  if (payload.length < RAW_HEADER_BYTES) throw new Error(`raw frame of ${payload.length} bytes has no header`)
  const width = payload.readUInt16BE(0)
  const height = payload.readUInt16BE(2)
  const channels = payload.readUInt8(4)
  const format: PixelFormat | undefined = channels === 3 ? 'bgr' : channels === 1 ? 'gray' : undefined
  if (!format) throw new Error(`raw frame with ${channels} channels`)
  if (width < 1 || height < 1 || width > MAX_RAW_SIDE || height > MAX_RAW_SIDE) throw new Error(`raw frame of ${width}x${height}`)
  const expected = RAW_HEADER_BYTES + width * height * channels
  if (payload.length !== expected) throw new Error(`raw ${width}x${height}x${channels} frame of ${payload.length} bytes (expected ${expected})`)
  return {width, height, format, data: payload.subarray(RAW_HEADER_BYTES)}
}
