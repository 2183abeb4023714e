import {describe, expect, it} from 'vitest'

import {JitterBuffer} from '../../../src/media/timing/jitter-buffer.js'

const ms = 1000
/** A buffer with a fixed 20 ms playout delay unless told otherwise. */
const buffer = (options: Partial<ConstructorParameters<typeof JitterBuffer>[0]> = {}) =>
  new JitterBuffer<string>({capacity: 8, minDelayUs: 20 * ms, maxDelayUs: 20 * ms, ...options})
const seqs = (frames: Array<{seq: number}>) => frames.map((frame) => frame.seq)

describe('JitterBuffer', () => {
  it('plays in-order frames at capture time + fastest transit + target', () => {
    const jb = buffer()
    // Frames captured every 33 ms, each arriving 5 ms after capture.
    expect(jb.push(0, 0, 'a', 5 * ms)).toBe('queued')
    expect(jb.pop(5 * ms)).toEqual([])
    expect(jb.nextDueUs()).toBe(25 * ms)
    expect(jb.pop(24 * ms)).toEqual([])
    expect(jb.pop(25 * ms)).toEqual([{seq: 0, captureUs: 0, item: 'a', playoutUs: 25 * ms}])
    jb.push(1, 33 * ms, 'b', 38 * ms)
    expect(seqs(jb.pop(58 * ms))).toEqual([1])
    expect(jb.stats).toMatchObject({played: 2, late: 0, missing: 0, reordered: 0, queued: 0})
  })

  it('reorders frames that arrive out of order within the delay', () => {
    const jb = buffer()
    jb.push(1, 33 * ms, 'b', 36 * ms)
    jb.push(0, 0, 'a', 37 * ms)
    jb.push(3, 99 * ms, 'd', 101 * ms)
    jb.push(2, 66 * ms, 'c', 102 * ms)
    expect(seqs(jb.pop(200 * ms))).toEqual([0, 1, 2, 3])
    expect(jb.stats).toMatchObject({reordered: 2, missing: 0, late: 0})
  })

  it('skips a missing frame when the next is due, and drops it as late when it comes', () => {
    const jb = buffer()
    jb.push(0, 0, 'a', 3 * ms)
    jb.push(2, 66 * ms, 'c', 69 * ms)
    expect(seqs(jb.pop(100 * ms))).toEqual([0, 2])
    expect(jb.stats.missing).toBe(1)
    expect(jb.push(1, 33 * ms, 'b', 101 * ms)).toBe('late')
    expect(jb.pop(1000 * ms)).toEqual([])
    expect(jb.stats).toMatchObject({late: 1, played: 2})
  })

  it('never plays backwards and counts duplicates', () => {
    const jb = buffer()
    jb.push(5, 0, 'x', 1 * ms)
    expect(jb.push(5, 0, 'x', 2 * ms)).toBe('duplicate')
    jb.pop(100 * ms)
    expect(jb.push(5, 0, 'x', 101 * ms)).toBe('duplicate')
    expect(jb.push(4, 0, 'w', 101 * ms)).toBe('late')
    expect(jb.stats).toMatchObject({duplicates: 2, late: 1, played: 1})
  })

  it('releases the oldest early when over capacity', () => {
    const jb = buffer({capacity: 2, minDelayUs: 1000 * ms, maxDelayUs: 1000 * ms})
    jb.push(0, 0, 'a', 1 * ms)
    jb.push(1, 1 * ms, 'b', 2 * ms)
    jb.push(2, 2 * ms, 'c', 3 * ms)
    expect(seqs(jb.pop(4 * ms))).toEqual([0])
    expect(jb.stats).toMatchObject({overflow: 1, queued: 2})
    expect(seqs(jb.drain())).toEqual([1, 2])
  })

  it('handles sequence numbers wrapping past 2^32', () => {
    const jb = buffer()
    const top = 2 ** 32 - 2
    jb.push(top + 1, 33 * ms, 'b', 36 * ms)
    jb.push(top, 0, 'a', 37 * ms)
    jb.push(1, 99 * ms, 'd', 101 * ms)
    jb.push(0, 66 * ms, 'c', 102 * ms)
    expect(seqs(jb.pop(500 * ms))).toEqual([top, top + 1, 0, 1])
    expect(jb.push(top + 1, 33 * ms, 'b', 600 * ms)).toBe('late')
  })

  it('raises the target at once when jitter grows and lowers it slowly, within its bounds', () => {
    const jb = buffer({minDelayUs: 5 * ms, maxDelayUs: 80 * ms, capacity: 100})
    let now = 0
    // Calm: 1 ms transit.
    for (let seq = 0; seq < 50; seq++) {
      now = seq * 33 * ms
      jb.push(seq, now, 'f', now + 1 * ms)
      jb.pop(now + 1 * ms)
    }

    expect(jb.targetDelayUs).toBe(5 * ms)
    // Every 4th frame arrives 40 ms later than the fastest.
    for (let seq = 50; seq < 100; seq++) {
      now = seq * 33 * ms
      jb.push(seq, now, 'f', now + (seq % 4 === 0 ? 41 : 1) * ms)
      jb.pop(now + 41 * ms)
    }

    expect(jb.targetDelayUs).toBe(40 * ms)
    // Huge spikes are capped at the upper bound.
    jb.push(100, 100 * 33 * ms, 'f', 100 * 33 * ms + 500 * ms)
    for (let seq = 101; seq < 110; seq++) jb.push(seq, seq * 33 * ms, 'f', seq * 33 * ms + 500 * ms)
    expect(jb.targetDelayUs).toBe(80 * ms)
    // Calm again: the target decays, but not all at once.
    jb.drain()
    const before = jb.targetDelayUs
    for (let seq = 110; seq < 400; seq++) jb.push(seq, seq * 33 * ms, 'f', seq * 33 * ms + 1 * ms)
    expect(jb.targetDelayUs).toBeLessThan(before)
    expect(jb.targetDelayUs).toBeGreaterThanOrEqual(5 * ms)
  })

  it('rejects bounds that cross', () => {
    expect(() => new JitterBuffer({capacity: 1, minDelayUs: 2, maxDelayUs: 1})).toThrow(RangeError)
  })
})
