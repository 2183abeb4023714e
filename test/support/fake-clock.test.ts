import {describe, expect, it} from 'vitest'

import {FakeClock} from './fake-clock.js'

describe('the fake clock', () => {
  it('runs due timeouts in order of due time, then of setting, each at its own time', () => {
    const clock = new FakeClock(100)
    const fired: Array<[string, number]> = []
    clock.setTimeout(() => fired.push(['b', clock.now()]), 20)
    clock.setTimeout(() => fired.push(['a', clock.now()]), 10)
    clock.setTimeout(() => fired.push(['c', clock.now()]), 20)
    clock.advance(19)
    expect(fired).toEqual([['a', 110]])
    clock.advance(1)
    expect(fired).toEqual([['a', 110], ['b', 120], ['c', 120]])
    expect(clock.pending).toBe(0)
  })

  it('runs timers that timers set, when they fall due within the same advance', () => {
    const clock = new FakeClock()
    const fired: number[] = []
    clock.setTimeout(() => clock.setTimeout(() => fired.push(clock.now()), 5), 5)
    clock.advance(10)
    expect(fired).toEqual([10])
  })

  it('repeats an interval until it is cleared, and never runs a cleared timeout', () => {
    const clock = new FakeClock()
    const ticks: number[] = []
    const interval = clock.setInterval(() => ticks.push(clock.now()), 1000)
    clock.clearTimeout(clock.setTimeout(() => ticks.push(-1), 500))
    clock.advance(3500)
    expect(ticks).toEqual([1000, 2000, 3000])
    clock.clearTimeout(interval)
    clock.advance(5000)
    expect(ticks).toEqual([1000, 2000, 3000])
    expect(clock.now()).toBe(8500)
  })

  it('tells when the next timer falls due', () => {
    const clock = new FakeClock(50)
    expect(clock.nextDue).toBeUndefined()
    clock.setTimeout(() => undefined, 30)
    clock.setInterval(() => undefined, 20)
    expect(clock.nextDue).toBe(70)
    clock.advance(20)
    expect(clock.nextDue).toBe(80)
  })
})
