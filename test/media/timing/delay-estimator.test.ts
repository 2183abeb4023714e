import {describe, expect, it} from 'vitest'

import {DelayEstimator} from '../../../src/media/timing/delay-estimator.js'
import {WindowedMin} from '../../../src/foundation/windowed-min.js'

describe('WindowedMin', () => {
  it('tracks the minimum of a sliding window', () => {
    const min = new WindowedMin(100)
    expect(min.min()).toBeUndefined()
    min.add(0, 5)
    min.add(10, 7)
    min.add(20, 3)
    min.add(30, 9)
    expect(min.min()).toBe(3)
    expect(min.min(119)).toBe(3)
    expect(min.min(120)).toBe(9)
    expect(min.min(1000)).toBeUndefined()
  })

  it('stays correct over many samples (compaction)', () => {
    const min = new WindowedMin(50)
    for (let t = 0; t < 10_000; t++) min.add(t, 1000 + ((t * 7919) % 101))
    const expected = Math.min(...Array.from({length: 50}, (_, i) => 1000 + (((9999 - i) * 7919) % 101)))
    expect(min.min()).toBe(expected)
  })
})

describe('DelayEstimator', () => {
  it('recovers the one-way delay despite an unknown clock offset', () => {
    const offset = 123_456_789 // receiver clock − sender clock
    const estimator = new DelayEstimator()
    // Base one-way delay 10 ms (RTT 20 ms), plus queuing of 0..5 ms.
    for (let i = 0; i < 100; i++) {
      const send = i * 33_000
      estimator.observe(send, send + offset + 10_000 + (i % 6) * 1000)
    }

    estimator.setRtt(20_000)
    // A frame captured at 3 300 000 on the sender's clock, shown at offset + 3 300 000 + 25 ms.
    expect(estimator.delayUs(3_300_000, offset + 3_325_000)).toBe(25_000)
    expect(estimator.excessUs(0, offset + 14_000)).toBe(4000)
    expect(estimator.rttUs).toBe(20_000)
  })

  it('without an RTT it reports delay above the fastest delivery only', () => {
    const estimator = new DelayEstimator()
    expect(estimator.delayUs(0, 1)).toBeUndefined()
    estimator.observe(0, 50_000)
    expect(estimator.delayUs(100_000, 160_000)).toBe(10_000)
  })

  it('uses the minimum RTT for the base, not the latest', () => {
    const estimator = new DelayEstimator()
    estimator.observe(0, 10_000)
    estimator.setRtt(20_000)
    estimator.setRtt(60_000)
    expect(estimator.offsetUs()).toBe(0)
  })
})
