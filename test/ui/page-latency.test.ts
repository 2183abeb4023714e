import {describe, expect, it} from 'vitest'

import {PageLatency} from '../../src/ui/page-latency.js'
import {MAX_AUDIO_BACKLOG_BYTES, PageFeed} from '../../src/ui/page-feed.js'
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

describe('which frames a page gets (ui/page-feed.ts)', () => {
  it('a picture of each stream only once the page took the last one, or the last is a second late', () => {
    const clock = new FakeClock(1000)
    const feed = new PageFeed(clock)
    expect(feed.offer('video', 0)).toBe(true)
    // In flight: the next is skipped, whatever the socket holds; the self-view is a stream of its own.
    expect(feed.offer('video', 0)).toBe(false)
    expect(feed.offer('self-view', 5000)).toBe(true)
    feed.taken('video')
    expect(feed.offer('video', 0)).toBe(true)
    clock.advance(999)
    expect(feed.offer('video', 0)).toBe(false)
    clock.advance(1)
    expect(feed.offer('video', 0)).toBe(true)
  })

  it('audio while the page reads', () => {
    const feed = new PageFeed(new FakeClock())
    expect(feed.offer('audio', 0)).toBe(true)
    expect(feed.offer('audio', MAX_AUDIO_BACKLOG_BYTES - 1)).toBe(true)
    expect(feed.offer('audio', MAX_AUDIO_BACKLOG_BYTES)).toBe(false)
  })
})
