import {describe, expect, it} from 'vitest'

import {buildLadder, CostModel, qualityFactor, scaledSize} from '../../src/adapt/ladder.js'

describe('ladder', () => {
  const top = {width: 640, height: 480, fps: 30, quality: 80}

  it('starts at the requested encoding and falls in cost to a small, slow rung', () => {
    const ladder = buildLadder(top)
    expect(ladder[0]).toEqual({scale: 1, quality: 80, fps: 30})
    expect(ladder.at(-1)).toEqual({scale: 0.25, quality: 45, fps: 10})
    const model = new CostModel(top)
    for (let i = 1; i < ladder.length; i++) expect(model.kbps(ladder[i])).toBeLessThan(model.kbps(ladder[i - 1]))
  })

  it('learns the content from real frame sizes', () => {
    const model = new CostModel(top)
    const rung = {scale: 1, quality: 80, fps: 30}
    for (let i = 0; i < 100; i++) model.observe(10_000, rung)
    expect(model.kbps(rung)).toBeCloseTo(2400, 0)
  })

  it('scales to even sides and interpolates quality', () => {
    expect(scaledSize(640, 480, 0.375)).toEqual({width: 240, height: 180})
    expect(scaledSize(642, 482, 0.5)).toEqual({width: 322, height: 242})
    expect(scaledSize(64, 48, 0.1)).toEqual({width: 16, height: 16})
    expect(qualityFactor(80)).toBe(1)
    expect(qualityFactor(75)).toBeCloseTo(0.91)
  })
})
