import {describe, expect, it} from 'vitest'

import {GLYPH_HEIGHT, glyphRows, STILL_BACKGROUND, STILL_INK, stillFrame, textScale} from '../../../src/media/video/still-frame.js'
import {readSeq} from '../../../src/media/video/frame-stamp.js'

/** The picture as text: '#' for ink, '.' for background, one line per row (gray frames). */
function art(frame: {width: number; height: number; data: Buffer}): string[] {
  return Array.from({length: frame.height}, (_, y) => [...frame.data.subarray(y * frame.width, (y + 1) * frame.width)].map((v) => (v === STILL_INK ? '#' : v === STILL_BACKGROUND ? '.' : '?')).join(''))
}

describe('the video-off still (stillFrame)', () => {
  it('draws the label centred, one font pixel a pixel when that is all that fits', () => {
    // "HI" in 5x7 glyphs with a column between (the I's bar is its middle three): 11 columns centred in 13x9.
    expect(art(stillFrame('hi', 13, 9, 'gray'))).toEqual([
      '.............',
      '.#...#..###..',
      '.#...#...#...',
      '.#...#...#...',
      '.#####...#...',
      '.#...#...#...',
      '.#...#...#...',
      '.#...#..###..',
      '.............',
    ])
  })

  it('scales the text with the picture, every font pixel a square of ink', () => {
    const frame = stillFrame('I', 320, 240, 'gray')
    const scale = textScale('I', 320, 240)
    expect(scale).toBe(Math.floor(240 / 5 / GLYPH_HEIGHT))
    const rows = art(frame).filter((row) => row.includes('#'))
    expect(rows).toHaveLength(GLYPH_HEIGHT * scale)
    // The I's top bar is three font pixels wide, its stem one.
    expect(rows[0].replaceAll('.', '')).toHaveLength(3 * scale)
    expect(rows[scale].replaceAll('.', '')).toHaveLength(scale)
  })

  it('fills every channel of a BGR picture, and carries no frame stamp (a sink cannot mistake it for live video)', () => {
    const frame = stillFrame('bob turned video off', 320, 240)
    expect(frame).toMatchObject({width: 320, height: 240, format: 'bgr'})
    expect(frame.data.length).toBe(320 * 240 * 3)
    const ink = frame.data.filter((value) => value === STILL_INK).length
    expect(ink % 3).toBe(0)
    expect(ink).toBeGreaterThan(0)
    expect(readSeq(frame)).toBeUndefined()
  })

  it('shows a character the font lacks as a question mark, and cuts a label too long for the picture', () => {
    expect(glyphRows('é')).toEqual(glyphRows('?'))
    expect(glyphRows('a')).toEqual(glyphRows('A'))
    const cut = art(stillFrame('abcdefghij', 13, 9, 'gray'))
    expect(cut).toEqual(art(stillFrame('ab', 13, 9, 'gray')))
  })
})
