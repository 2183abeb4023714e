import {describe, expect, it} from 'vitest'

import {PeerLiveness} from '../../src/transport/liveness.js'
import {FakeClock} from '../support/fake-clock.js'

const bounds = {stalledAfterMs: 2000, goneAfterMs: 15_000, checkEveryMs: 1000}

/** Advance `ms` a keepalive interval at a time, checking after each, as the connection does; returns the changes. */
function tick(liveness: PeerLiveness, clock: FakeClock, ms: number) {
  const changes = []
  for (let passed = 0; passed < ms; passed += bounds.checkEveryMs) {
    clock.advance(bounds.checkEveryMs)
    const change = liveness.check()
    if (change) changes.push({at: clock.now(), ...change})
  }

  return changes
}

describe('PeerLiveness', () => {
  it('stays live while the peer is heard every interval', () => {
    const clock = new FakeClock()
    const liveness = new PeerLiveness(bounds, clock)
    for (let i = 0; i < 60; i++) {
      expect(tick(liveness, clock, 1000)).toEqual([])
      expect(liveness.heard()).toBeUndefined()
    }

    expect(liveness.stalled).toBe(false)
  })

  it('shows a stall after 2 s of silence, and a resume (with the whole silence) when the peer is heard again', () => {
    const clock = new FakeClock()
    const liveness = new PeerLiveness(bounds, clock)
    expect(tick(liveness, clock, 5000)).toEqual([{at: 2000, kind: 'stalled', silentMs: 2000}])
    expect(liveness.stalled).toBe(true)
    clock.advance(300)
    expect(liveness.heard()).toEqual({kind: 'resumed', silentMs: 5300})
    expect(liveness.stalled).toBe(false)
    expect(liveness.heard()).toBeUndefined()
    // A second stall is reported again.
    expect(tick(liveness, clock, 3000)).toEqual([{at: 7300, kind: 'stalled', silentMs: 2000}])
  })

  it('gives the peer up once, at the bound, and reports nothing after', () => {
    const clock = new FakeClock()
    const liveness = new PeerLiveness(bounds, clock)
    expect(tick(liveness, clock, 20_000)).toEqual([
      {at: 2000, kind: 'stalled', silentMs: 2000},
      {at: 15_000, kind: 'gone', silentMs: 15_000},
    ])
    expect(liveness.heard()).toBeUndefined()
    expect(liveness.check()).toBeUndefined()
  })

  it('does not count its own pause as the peer\'s silence', () => {
    const clock = new FakeClock()
    const liveness = new PeerLiveness(bounds, clock)
    tick(liveness, clock, 1000)
    liveness.heard()
    // This process is stopped for 20 s: the next check comes 20 s late; the peer's bytes wait unread meanwhile.
    clock.advance(20_000)
    expect(liveness.check()).toBeUndefined()
    expect(liveness.silentMs).toBeLessThan(bounds.stalledAfterMs)
    expect(liveness.heard()).toBeUndefined()
    // A peer that is really silent after our pause is still noticed.
    expect(tick(liveness, clock, 15_000).map((change) => change.kind)).toEqual(['stalled', 'gone'])
  })
})
