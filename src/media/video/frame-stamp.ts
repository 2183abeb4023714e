import {CHANNELS, type VideoFrame} from '../types.js'

/**
 * A frame's sequence number written into its pixels, so any sink can read it back after JPEG and prove order and
 * count. A strip across the top holds 32 big blocks, black = 1, white = 0: 24 bits of the number (it wraps at 2^24)
 * then an 8-bit check, so reading a picture that carries no stamp fails instead of yielding a number.
 */
export const STAMP_BITS = 32
export const STAMP_MODULO = 2 ** 24
export const MIN_STAMP_WIDTH = STAMP_BITS * 4
export const MIN_STAMP_HEIGHT = 32

export function stampHeight(height: number): number {
  return Math.max(8, Math.floor(height / 10))
}

function checkByte(value: number): number {
  return (value ^ (value >> 8) ^ (value >> 16) ^ 0x5a) & 0xff
}

function bitsOf(seq: number): number[] {
  const value = seq % STAMP_MODULO
  const word = (value * 256 + checkByte(value)) >>> 0
  return Array.from({length: STAMP_BITS}, (_, bit) => (word >>> (STAMP_BITS - 1 - bit)) & 1)
}

/** Where bit `index`'s block starts: the strip is cut into 32 equal parts, so a scaled frame's blocks still line up. */
function blockStart(width: number, index: number): number {
  return Math.round((index * width) / STAMP_BITS)
}

/** Write `seq` into the top strip of `frame` (in place). */
export function stampSeq(frame: VideoFrame, seq: number): void {
  const channels = CHANNELS[frame.format]
  const rowBytes = frame.width * channels
  const row = Buffer.alloc(rowBytes, 128)
  bitsOf(seq).forEach((bit, index) => row.fill(bit ? 0 : 255, blockStart(frame.width, index) * channels, blockStart(frame.width, index + 1) * channels))
  for (let y = 0; y < stampHeight(frame.height); y++) row.copy(frame.data, y * rowBytes)
}

/** Read the stamp back, or undefined when there is none (check byte wrong, or a block neither black nor white). */
export function readSeq(frame: VideoFrame): number | undefined {
  const channels = CHANNELS[frame.format]
  const rowBytes = frame.width * channels
  const block = frame.width / STAMP_BITS
  const strip = stampHeight(frame.height)
  if (block < 2 || frame.data.length < strip * rowBytes) return undefined
  // Sample the middle of each block, away from edges where JPEG rings.
  const y0 = Math.floor(strip / 4)
  const y1 = Math.max(y0 + 1, Math.ceil((strip * 3) / 4))
  let word = 0
  for (let bit = 0; bit < STAMP_BITS; bit++) {
    const x0 = Math.floor(bit * block + block / 4)
    const x1 = Math.max(x0 + 1, Math.ceil(bit * block + (block * 3) / 4))
    let sum = 0
    let n = 0
    for (let y = y0; y < y1; y++) {
      const start = y * rowBytes + x0 * channels
      const end = y * rowBytes + x1 * channels
      for (let i = start; i < end; i++) sum += frame.data[i]
      n += end - start
    }

    const mean = sum / n
    if (mean > 64 && mean < 192) return undefined
    word = ((word << 1) | (mean <= 64 ? 1 : 0)) >>> 0
  }

  const value = word >>> 8
  return checkByte(value) === (word & 0xff) ? value : undefined
}
