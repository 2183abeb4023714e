import {describe, expect, it} from 'vitest'

import {PageLatency} from '../../src/ui/page-latency.js'
import {forwards} from '../../src/ui/run-ui.js'
import {FakeClock} from '../support/fake-clock.js'

describe('the latency the page path adds (hand-over → painted, one clock)', () => {
  it('takes each painted report against its hand-over time, over the run and over the last second', () => {
    const clock = new FakeClock(1000)
    const latency = new PageLatency(clock)
    expect(latency.recent()).toBeUndefined()
    // Frames handed over 10, 20 … 100 ms before the page reported them painted.
    for (let ms = 10; ms <= 100; ms += 10) latency.painted(clock.monotonicUs() - ms * 1000)
    expect(latency.recent()).toEqual({p50: 50, p95: 100})
    clock.advance(1500)
    latency.painted(clock.monotonicUs() - 5000)
    expect(latency.recent()).toEqual({p50: 5, p95: 5})
    expect(latency.summary()).toEqual({painted: 11, latencyMs: {p50: 50, p95: 100, max: 100}})
  })

  it('ignores a report from the future or from long ago (not a frame it sent lately)', () => {
    const clock = new FakeClock(100_000)
    const latency = new PageLatency(clock)
    latency.painted(clock.monotonicUs() + 1)
    latency.painted(clock.monotonicUs() - 60_000_000)
    expect(latency.summary().painted).toBe(0)
  })
})

describe('which frames a page gets', () => {
  it('a picture only when the page has taken the last message, audio unless the page stopped reading', () => {
    expect(forwards('video', 0)).toBe(true)
    expect(forwards('self-view', 1)).toBe(false)
    expect(forwards('video', 40_000)).toBe(false)
    expect(forwards('audio', 40_000)).toBe(true)
    expect(forwards('audio', 1_000_000)).toBe(false)
  })
})
