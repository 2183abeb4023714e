import {describe, expect, it} from 'vitest'

import {Admission, FRAMED_ADMISSION, MEDIA_ADMISSION} from '../../src/security/admission.js'
import {FakeClock} from '../support/fake-clock.js'

const limits = {maxPending: 5, maxPendingPerSource: 2, deadlineMs: 3000}

function admitted(admission: Admission, source: string, expired: string[] = []) {
  const result = admission.admit(source, (reason) => expired.push(`${source}: ${reason}`))
  if (!result.admitted) throw new Error(`refused: ${result.reason}`)
  return result.connection
}

describe('Admission', () => {
  it('refuses a source past its limit, and counts it, while other sources still get in', () => {
    const admission = new Admission(limits, new FakeClock())
    admitted(admission, 'a')
    admitted(admission, 'a')
    const third = admission.admit('a', () => undefined)
    expect(third).toEqual({admitted: false, refusal: 'per-source', reason: '2 connections from a are already waiting to authenticate (limit 2)'})
    admitted(admission, 'b')
    expect(admission.stats).toMatchObject({pending: 3, admitted: 3, refusedPerSource: 1, refusedTotal: 0})
  })

  it('refuses anyone once the total is reached', () => {
    const admission = new Admission(limits, new FakeClock())
    for (const source of ['a', 'a', 'b', 'b', 'c']) admitted(admission, source)
    const sixth = admission.admit('d', () => undefined)
    expect(sixth).toMatchObject({admitted: false, refusal: 'total', reason: '5 connections are already waiting to authenticate (limit 5)'})
    expect(admission.stats.refusedTotal).toBe(1)
  })

  it('drops a connection that has not authenticated by the deadline, once, and frees its place', () => {
    const clock = new FakeClock()
    const admission = new Admission(limits, clock)
    const expired: string[] = []
    const slow = admitted(admission, 'a', expired)
    clock.advance(2999)
    expect(expired).toEqual([])
    clock.advance(1)
    expect(expired).toEqual(['a: no complete first message within 3000 ms'])
    slow.gone()
    slow.authenticated()
    expect(admission.stats).toMatchObject({pending: 0, expired: 1, authenticated: 0})
    clock.advance(10_000)
    expect(expired).toHaveLength(1)
    expect(clock.pending).toBe(0)
  })

  it('lets an authenticated connection stay past the deadline and no longer count against the limits', () => {
    const clock = new FakeClock()
    const admission = new Admission(limits, clock)
    const expired: string[] = []
    const first = admitted(admission, 'a', expired)
    admitted(admission, 'a', expired).gone()
    first.authenticated()
    first.authenticated()
    expect(clock.pending).toBe(0)
    clock.advance(limits.deadlineMs * 2)
    expect(expired).toEqual([])
    admitted(admission, 'a')
    admitted(admission, 'a')
    expect(admission.stats).toMatchObject({pending: 2, admitted: 4, authenticated: 1, expired: 0})
  })

  it('a flood from one source leaves room for the real peer, and is gone after one deadline', () => {
    const clock = new FakeClock()
    const admission = new Admission(FRAMED_ADMISSION, clock)
    const dropped: string[] = []
    for (let i = 0; i < 1000; i++) {
      const result = admission.admit('10.0.0.66', (reason) => dropped.push(reason))
      expect(result.admitted).toBe(i < FRAMED_ADMISSION.maxPendingPerSource)
    }

    const peer = admitted(admission, '10.0.0.7')
    clock.advance(FRAMED_ADMISSION.deadlineMs - 1)
    peer.authenticated()
    clock.advance(1)
    expect(dropped).toHaveLength(FRAMED_ADMISSION.maxPendingPerSource)
    expect(admission.stats).toMatchObject({pending: 0, refusedPerSource: 1000 - FRAMED_ADMISSION.maxPendingPerSource, expired: 4, authenticated: 1})
  })

  it('lets one media sender open its 64 connections at once', () => {
    const admission = new Admission(MEDIA_ADMISSION, new FakeClock())
    for (let i = 0; i < 64; i++) admitted(admission, '10.0.0.7')
    expect(admission.admit('10.0.0.7', () => undefined).admitted).toBe(false)
  })

  it('rejects limits that are not positive integers', () => {
    expect(() => new Admission({...limits, deadlineMs: 0}, new FakeClock())).toThrow('admission: deadlineMs must be a positive integer, got 0')
  })
})
