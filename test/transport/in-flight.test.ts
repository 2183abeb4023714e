import {describe, expect, it} from 'vitest'

import {InFlightLedger, MAX_TRACKED_PER_LANE} from '../../src/transport/in-flight.js'

describe('InFlightLedger', () => {
  it('counts bytes per lane until echoed; an echo covers every earlier frame on its lane only', () => {
    const ledger = new InFlightLedger()
    ledger.written(0, 1, 100, 1000)
    ledger.written(0, 2, 200, 2000)
    ledger.written(1, 3, 50, 3000)
    expect([ledger.bytes(0), ledger.bytes(1), ledger.totalBytes]).toEqual([300, 50, 350])
    ledger.echoed(0, 2)
    expect([ledger.bytes(0), ledger.bytes(1), ledger.deliveredBytes]).toEqual([0, 50, 300])
    ledger.echoed(1, 99)
    expect(ledger.bytes(1)).toBe(50)
  })

  it('measures the queue from the oldest frame written after the newest echoed one', () => {
    const ledger = new InFlightLedger()
    expect(ledger.queueUs(5000)).toBe(0)
    ledger.written(0, 1, 10, 1000) // stuck behind a lost segment on lane 0
    ledger.written(1, 2, 10, 2000)
    ledger.written(1, 3, 10, 3000)
    expect(ledger.queueUs(5000)).toBe(4000)
    ledger.echoed(1, 2) // frame 2 arrived: frame 1 waits for a resend, not for the link
    expect(ledger.queueUs(5000)).toBe(2000)
    ledger.echoed(1, 3)
    expect(ledger.queueUs(5000)).toBe(0)
  })

  it('forgets a lost lane and bounds what one lane tracks', () => {
    const ledger = new InFlightLedger()
    for (let seq = 0; seq < MAX_TRACKED_PER_LANE; seq++) ledger.written(2, seq, 1, seq)
    expect(ledger.full(2)).toBe(true)
    expect(ledger.full(3)).toBe(false)
    ledger.forget(2)
    expect([ledger.full(2), ledger.bytes(2), ledger.totalBytes]).toEqual([false, 0, 0])
  })
})
