import {describe, expect, it} from 'vitest'

import {ArrivalSpread} from '../../../src/media/audio/arrival-spread.js'

/** Feed frames 0..count-1, one every 20 ms, with `spread(seq)` ms of extra transit; returns neededSpreadMs after each. */
function feed(count: number, spread: (seq: number) => number): {spread: ArrivalSpread; needed: number[]} {
  const estimator = new ArrivalSpread(20)
  const needed: number[] = []
  for (let seq = 0; seq < count; seq++) {
    estimator.add(seq, seq * 20 + 5 + spread(seq))
    needed.push(estimator.neededSpreadMs)
  }

  return {spread: estimator, needed}
}

describe('ArrivalSpread', () => {
  it('holds an isolated stall for under two 1 s blocks, though it stays the base for the whole window', () => {
    // One 100 ms stall at frame 510 (10.2 s): frames 510..514 arrive together.
    const {needed} = feed(1000, (seq) => (seq >= 510 && seq < 515 ? 100 - (seq - 510) * 20 : 0))
    expect(needed[514]).toBe(100)
    expect(needed[549]).toBe(100) // still in the current or previous block
    expect(needed[600]).toBe(0) // 12 s: both blocks after the stall's
    expect(needed[999]).toBe(0)
  })

  it('does not take a stall whose late frames straddle a block boundary for a recurring one', () => {
    // Frames 545..549 are released over 20 ms across the 11 s boundary: 545 at 10.995 s (90 ms late), the rest after.
    const {needed} = feed(800, (seq) => (seq >= 545 && seq < 550 ? 90 - (seq - 545) * 15 : 0))
    expect(needed[549]).toBe(90)
    expect(needed[660]).toBe(0) // 13.2 s: blocks 10 and 11 are next to each other, so the stall did not recur
    expect(needed[799]).toBe(0)
  })

  it('holds a bump that recurs within the window, at the lower of the recurring heights', () => {
    // 60 ms bumps every 3 s; one 120 ms stall among them.
    const {needed} = feed(1500, (seq) => (seq === 700 ? 120 : seq % 150 === 10 ? 60 : 0))
    expect(needed[100]).toBe(0) // one bump so far, two blocks on
    expect(Math.min(...needed.slice(310, 1500))).toBe(60) // from the second bump on, held between bumps
    expect(needed[800]).toBe(60) // the single 120 ms stall is not held
  })

  it('follows steady jitter over a long stream', () => {
    const {spread, needed} = feed(50_000, (seq) => seq % 7)
    expect(spread.count).toBe(50_000)
    expect(spread.base).toBe(5)
    expect(Math.min(...needed.slice(100))).toBe(6)
    expect(Math.max(...needed)).toBe(6)
  })
})
