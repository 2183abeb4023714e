import {CHANNELS, type VideoFrame} from '../types.js'

/**
 * A still picture with one line of text, shown instead of live video while it is off ("bob turned video off"), so a
 * window never holds a frozen last frame that looks like a live one. Drawn in pure JavaScript with a 5x7 pixel font
 * (letters as capitals, digits, a few marks): no font files, no OpenCV, the same picture on every machine.
 */
const GLYPHS: Record<string, string> = {
  A: '01110 10001 10001 11111 10001 10001 10001',
  B: '11110 10001 10001 11110 10001 10001 11110',
  C: '01110 10001 10000 10000 10000 10001 01110',
  D: '11110 10001 10001 10001 10001 10001 11110',
  E: '11111 10000 10000 11110 10000 10000 11111',
  F: '11111 10000 10000 11110 10000 10000 10000',
  G: '01110 10001 10000 10111 10001 10001 01111',
  H: '10001 10001 10001 11111 10001 10001 10001',
  I: '01110 00100 00100 00100 00100 00100 01110',
  J: '00111 00010 00010 00010 00010 10010 01100',
  K: '10001 10010 10100 11000 10100 10010 10001',
  L: '10000 10000 10000 10000 10000 10000 11111',
  M: '10001 11011 10101 10101 10001 10001 10001',
  N: '10001 10001 11001 10101 10011 10001 10001',
  O: '01110 10001 10001 10001 10001 10001 01110',
  P: '11110 10001 10001 11110 10000 10000 10000',
  Q: '01110 10001 10001 10001 10101 10010 01101',
  R: '11110 10001 10001 11110 10100 10010 10001',
  S: '01111 10000 10000 01110 00001 00001 11110',
  T: '11111 00100 00100 00100 00100 00100 00100',
  U: '10001 10001 10001 10001 10001 10001 01110',
  V: '10001 10001 10001 10001 10001 01010 00100',
  W: '10001 10001 10001 10101 10101 10101 01010',
  X: '10001 10001 01010 00100 01010 10001 10001',
  Y: '10001 10001 01010 00100 00100 00100 00100',
  Z: '11111 00001 00010 00100 01000 10000 11111',
  0: '01110 10001 10011 10101 11001 10001 01110',
  1: '00100 01100 00100 00100 00100 00100 01110',
  2: '01110 10001 00001 00010 00100 01000 11111',
  3: '11111 00010 00100 00010 00001 10001 01110',
  4: '00010 00110 01010 10010 11111 00010 00010',
  5: '11111 10000 11110 00001 00001 10001 01110',
  6: '00110 01000 10000 11110 10001 10001 01110',
  7: '11111 00001 00010 00100 01000 01000 01000',
  8: '01110 10001 10001 01110 10001 10001 01110',
  9: '01110 10001 10001 01111 00001 00010 01100',
  ' ': '00000 00000 00000 00000 00000 00000 00000',
  '.': '00000 00000 00000 00000 00000 01100 01100',
  '-': '00000 00000 00000 11111 00000 00000 00000',
  _: '00000 00000 00000 00000 00000 00000 11111',
  '(': '00010 00100 01000 01000 01000 00100 00010',
  ')': '01000 00100 00010 00010 00010 00100 01000',
  '?': '01110 10001 00001 00010 00100 00000 00100',
}

export const GLYPH_WIDTH = 5
export const GLYPH_HEIGHT = 7
/** A glyph's cell: the glyph and one column of space after it. */
const CELL_WIDTH = GLYPH_WIDTH + 1

/** Grey levels: a dark background, light text. */
export const STILL_BACKGROUND = 40
export const STILL_INK = 230

/** The rows of a character's glyph as bits, or the question mark's for a character the font lacks. */
export function glyphRows(char: string): boolean[][] {
  const rows = GLYPHS[char.toUpperCase()] ?? GLYPHS['?']
  return rows.split(' ').map((row) => [...row].map((bit) => bit === '1'))
}

/** How many pixels a font pixel takes so `label` spans at most four fifths of `width` and a fifth of `height`. */
export function textScale(label: string, width: number, height: number): number {
  const byWidth = Math.floor((width * 0.8) / Math.max(1, label.length * CELL_WIDTH))
  const byHeight = Math.floor(height / 5 / GLYPH_HEIGHT)
  return Math.max(1, Math.min(byWidth, byHeight))
}

/** A `width`x`height` picture in `format`: the background, `label` centred in capitals. Long labels are cut to fit. */
export function stillFrame(label: string, width: number, height: number, format: VideoFrame['format'] = 'bgr'): VideoFrame {
  const channels = CHANNELS[format]
  const data = Buffer.alloc(width * height * channels, STILL_BACKGROUND)
  const fits = Math.max(1, Math.floor(width / CELL_WIDTH))
  const text = label.length > fits ? label.slice(0, fits) : label
  const scale = textScale(text, width, height)
  const left = Math.max(0, Math.floor((width - (text.length * CELL_WIDTH - 1) * scale) / 2))
  const top = Math.max(0, Math.floor((height - GLYPH_HEIGHT * scale) / 2))
  for (const [index, char] of [...text].entries()) {
    for (const [row, bits] of glyphRows(char).entries()) {
      for (const [column, on] of bits.entries()) {
        if (!on) continue
        const x0 = left + (index * CELL_WIDTH + column) * scale
        const y0 = top + row * scale
        for (let y = y0; y < Math.min(height, y0 + scale); y++) {
          const start = (y * width + x0) * channels
          const end = (y * width + Math.min(width, x0 + scale)) * channels
          if (end > start) data.fill(STILL_INK, start, end)
        }
      }
    }
  }

  return {width, height, format, data}
}
