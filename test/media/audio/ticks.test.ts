import {describe, expect, it} from 'vitest'

import {ticks} from '../../../src/media/audio/clock.js'
import {FakeClock} from '../../support/fake-clock.js'

/** Let the generator's promise chain run (no time passes: the fake clock only moves by hand). */
const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('ticks (the audio pacing clock) in virtual time', () => {
  it('ticks on an absolute schedule: late timers never add up to drift, missed ticks come at once', async () => {
    const clock = new FakeClock(1000)
    const stop = new AbortController()
    const tick = ticks(20, stop.signal, clock)
    expect((await tick.next()).value).toEqual({index: 0, atMs: 1000})
    let next = tick.next()
    let got: unknown
    void next.then((result) => (got = result.value))
    clock.advance(19)
    await settle()
    expect(got).toBeUndefined()
    // Fired 5 ms late: the tick still says when it was due, and the next one is due 20 ms after that, not after now.
    clock.advance(6)
    await next
    expect(got).toEqual({index: 1, atMs: 1020})
    next = tick.next()
    clock.advance(15)
    expect((await next).value).toEqual({index: 2, atMs: 1040})
    // A stall of three periods: the ticks it missed come at once, then the schedule goes on.
    clock.advance(60)
    expect((await tick.next()).value).toEqual({index: 3, atMs: 1060})
    expect((await tick.next()).value).toEqual({index: 4, atMs: 1080})
    expect((await tick.next()).value).toEqual({index: 5, atMs: 1100})
    stop.abort()
    expect((await tick.next()).done).toBe(true)
    expect(clock.pending).toBe(0)
  })
})
