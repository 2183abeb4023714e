import {describe, expect, it} from 'vitest'

import {FreezeDetector} from '../../../src/media/stats/freeze-detector.js'
import {summarize} from '../../../src/media/audio/summary.js'
import {Percentiles} from '../../../src/media/stats/percentiles.js'
import {RateMeter} from '../../../src/media/stats/rate-meter.js'

describe('Percentiles', () => {
  it('reports nearest-rank percentiles and the max', () => {
    const p = new Percentiles()
    expect(p.summary()).toEqual({p50: 0, p95: 0, max: 0})
    for (let i = 1; i <= 100; i++) p.add(i)
    expect(p.percentile(50)).toBe(50)
    expect(p.percentile(95)).toBe(95)
    expect(p.summary()).toEqual({p50: 50, p95: 95, max: 100})
  })

  it('gives the nearest rank of unsorted samples, and follows samples added after a read', () => {
    const p = new Percentiles()
    for (const value of [9.5, -1, 3.25, 120, 7, 0.5, 42, 3.25, 8, 15]) p.add(value)
    expect([p.percentile(0), p.percentile(50), p.percentile(95), p.percentile(100)]).toEqual([-1, 7, 120, 120])
    p.add(-5)
    p.add(-4)
    expect([p.percentile(0), p.percentile(50)]).toEqual([-5, 3.25])
  })

  it('stays bounded past its cap and keeps the true max', () => {
    let seed = 1
    const random = () => ((seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647)
    const p = new Percentiles(1000, random)
    for (let i = 0; i < 100_000; i++) p.add(i % 100)
    p.add(5000)
    expect(p.count).toBe(100_001)
    expect(p.max).toBe(5000)
    expect(p.percentile(50)).toBeGreaterThan(40)
    expect(p.percentile(50)).toBeLessThan(60)
  })
})

describe('audio latency summary', () => {
  it('gives nearest-rank percentiles and the max of unsorted samples', () => {
    expect(summarize([])).toEqual({p50: 0, p95: 0, max: 0})
    expect(summarize([9.5, 1, 3.25, 120, 7, 0.5, 42, 3.25, 8, 15])).toEqual({p50: 7, p95: 120, max: 120})
    expect(summarize([20, 10])).toEqual({p50: 10, p95: 20, max: 20})
  })
})

describe('FreezeDetector (W3C webrtc-stats definition)', () => {
  it('counts a gap of max(3 × mean, mean + 150 ms) as a freeze', () => {
    const f = new FreezeDetector()
    let t = 0
    for (let i = 0; i < 30; i++) f.frame((t += 33_000))
    // mean 33 ms: threshold max(99, 183) = 183 ms
    expect(f.frame((t += 182_000))).toBe(false)
    const mean = (29 * 33_000 + 182_000) / 30
    expect(f.frame((t += Math.ceil(mean + 150_000)))).toBe(true)
    expect(f.freezes).toBe(1)
    expect(f.frozenUs).toBe(Math.ceil(mean + 150_000))
  })

  it('uses 3 × mean when that is larger (slow streams)', () => {
    const f = new FreezeDetector()
    let t = 0
    for (let i = 0; i < 10; i++) f.frame((t += 500_000))
    expect(f.frame((t += 1_400_000))).toBe(false) // below 3 × 500 ms
    expect(f.frame((t += 2_000_000))).toBe(true)
  })

  it('never calls the first frames a freeze', () => {
    const f = new FreezeDetector()
    expect(f.frame(0)).toBe(false)
    expect(f.frame(10_000_000)).toBe(false)
  })
})

describe('RateMeter', () => {
  it('measures rate and kbit/s over the run and over the last window', () => {
    const m = new RateMeter(1_000_000)
    for (let i = 0; i <= 60; i++) m.add(i * 33_333, 1000)
    expect(m.count).toBe(61)
    expect(m.rate).toBeCloseTo(30, 1)
    expect(m.kbps()).toBeCloseTo((61 * 8000) / 1000 / 2, 0)
    // the window (now − 1 s, now] holds events 30..60
    expect(m.recent(60 * 33_333).rate).toBe(31)
    expect(m.recent(10_000_000)).toEqual({rate: 0, kbps: 0})
  })

  it('is zero before two events', () => {
    const m = new RateMeter()
    expect(m.rate).toBe(0)
    m.add(5, 10)
    expect(m.rate).toBe(0)
    expect(m.kbps()).toBe(0)
  })
})
