import {describe, expect, it} from 'vitest'

import {FeedbackReporter} from '../../src/adapt/feedback-reporter.js'

describe('FeedbackReporter', () => {
  it('reports queuing delay over the running minimum, without synchronised clocks', () => {
    // The sender's clock is 5 s behind ours; the base transit is 3 ms.
    const offset = 5_000_000
    const reporter = new FeedbackReporter({startUs: offset})
    reporter.onRtt(6000)
    const frame = (seq: number, sendUs: number, extraUs: number) =>
      reporter.onFrame({seq, captureUs: sendUs - 2000, senderDelayUs: 2000, receivedUs: sendUs + offset + 3000 + extraUs, bytes: 1000})
    expect(reporter.poll(offset + 50_000)).toBeUndefined()
    frame(0, 0, 0)
    frame(1, 33_000, 20_000)
    frame(3, 66_000, 45_000)
    frame(2, 50_000, 10_000)
    reporter.onPlayout({late: 1, missing: 2, levelUs: 40_000})
    const first = reporter.poll(offset + 100_000)!
    expect(first).toEqual({
      reportNumber: 0,
      delayValid: true,
      intervalUs: 100_000,
      queuingDelayUs: 10_000,
      maxQueuingDelayUs: 45_000,
      receivedBitsPerSecond: 320_000,
      framesReceived: 4,
      lateFrames: 1,
      missingFrames: 2,
      bufferLevelUs: 40_000,
      highestSeq: 3,
      // sender delay 2 ms + half the minimum RTT 3 ms + queuing 10 ms
      latencyUs: 15_000,
    })
  })

  it('counts per interval and marks an empty interval as delay-invalid', () => {
    const reporter = new FeedbackReporter({startUs: 0})
    reporter.onFrame({seq: 0xffffffff, captureUs: 0, senderDelayUs: 0, receivedUs: 10, bytes: 10})
    reporter.onFrame({seq: 0, captureUs: 20, senderDelayUs: 0, receivedUs: 30, bytes: 10})
    reporter.onPlayout({late: 3, missing: 0, levelUs: 0})
    expect(reporter.poll(100_000)).toMatchObject({reportNumber: 0, highestSeq: 0, lateFrames: 3, latencyUs: undefined})
    const empty = reporter.poll(250_000)!
    expect(empty).toMatchObject({reportNumber: 1, delayValid: false, framesReceived: 0, receivedBitsPerSecond: 0, lateFrames: 0, intervalUs: 150_000})
  })
})
