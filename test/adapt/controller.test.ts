import {describe, expect, it} from 'vitest'

import {AdaptController} from '../../src/adapt/controller.js'
import type {FeedbackReport} from '../../src/protocol/media-feedback.js'
import {latenciesMs, percentile, simulate} from './link-sim.js'

const BOUND_MS = 150
const twoMbit = () => 2e6
// 8 → 1.5 → 8 Mbit/s, stepping down at 10 s and back up at 25 s.
const step = (atUs: number) => (atUs < 10e6 ? 8e6 : atUs < 25e6 ? 1.5e6 : 8e6)
const p95 = (values: number[]) => percentile(values, 95)

describe('adaptation on a simulated 2 Mbit/s bottleneck (video + audio share it)', () => {
  const gcc = simulate({strategy: 'gcc', capacity: twoMbit, durationUs: 20e6})
  const off = simulate({strategy: 'off', capacity: twoMbit, durationUs: 20e6})
  const seed = simulate({strategy: 'seed', capacity: twoMbit, durationUs: 20e6})

  it('gcc holds p95 latency under the bound from 3 s on, and audio with it', () => {
    expect(p95(latenciesMs(gcc.frames, 3e6))).toBeLessThan(BOUND_MS)
    expect(p95(latenciesMs(gcc.audio, 3e6))).toBeLessThan(BOUND_MS)
    // It still delivers video: at least 20 fps of smaller frames, not a slide show.
    expect(latenciesMs(gcc.frames, 3e6).length / 17).toBeGreaterThan(20)
    const last = gcc.controller.state
    expect(last.targetKbps).toBeLessThan(2000)
    expect(last.scale).toBeLessThan(1)
  })

  it('off and seed do not: their queue grows without bound', () => {
    expect(p95(latenciesMs(off.frames, 3e6))).toBeGreaterThan(5 * BOUND_MS)
    expect(p95(latenciesMs(off.audio, 3e6))).toBeGreaterThan(5 * BOUND_MS)
    expect(p95(latenciesMs(seed.frames, 3e6))).toBeGreaterThan(5 * BOUND_MS)
    // The seed's rule shrinks to its floor and can go no further.
    expect(seed.controller.state).toMatchObject({scale: 0.5, quality: 80, fps: 30, reason: 'seed:over-bound'})
    expect(off.controller.state).toMatchObject({scale: 1, quality: 80, fps: 30, reason: 'off', skippedLate: 0, skippedBudget: 0})
  })
})

describe('adaptation through a step 8 → 1.5 → 8 Mbit/s', () => {
  const gcc = simulate({strategy: 'gcc', capacity: step, durationUs: 55e6})
  const off = simulate({strategy: 'off', capacity: step, durationUs: 55e6})

  it('gcc reaches full quality before the step (slow start from 1 Mbit/s, a rung at a time, then gentle growth)', () => {
    const isFull = (state: {scale: number; quality: number; fps: number}) => state.scale === 1 && state.quality === 80 && state.fps === 30
    const full = gcc.states.find((state) => isFull(state))!
    expect(full.atUs).toBeLessThan(9.5e6)
    expect(gcc.states.filter((state) => state.atUs >= full.atUs && state.atUs < 10e6).every((state) => isFull(state))).toBe(true)
    expect(p95(latenciesMs(gcc.frames, 3e6, 10e6))).toBeLessThan(50)
  })

  it('gcc is back under the bound within 3 s of the step down, and stays there', () => {
    expect(p95(latenciesMs(gcc.frames, 13e6, 25e6))).toBeLessThan(BOUND_MS)
    expect(gcc.states.find((state) => state.atUs > 10e6 && state.reason.startsWith('overuse'))!.atUs).toBeLessThan(10.5e6)
  })

  it('gcc climbs back to full quality after the step up: fast while far below the old rate, then ~8 % a second', () => {
    const full = gcc.states.find((state) => state.atUs > 25e6 && state.scale === 1 && state.quality === 80 && state.fps === 30)
    expect(full, 'back to full quality').toBeDefined()
    // From about 0.7 Mbit/s to about 6 Mbit/s: ×1.5/s up to 90 % of the rate held before the step, 8 %/s after
    // (at 8 %/s alone it took about 24 s). The target is 15 s.
    expect(full!.atUs - 25e6).toBeLessThan(15e6)
    const climb = gcc.states.filter((state) => state.atUs > 25e6 && state.atUs < full!.atUs)
    expect(climb.some((state) => state.reason === 'increase:fast')).toBe(true)
    const lastFast = climb.findLast((state) => state.reason === 'increase:fast')!
    const gentle = climb.filter((state) => state.atUs > lastFast.atUs + 500_000)
    for (let i = 10; i < gentle.length; i++) expect(gentle[i].targetKbps / gentle[i - 10].targetKbps).toBeLessThanOrEqual(1.081)
    expect(p95(latenciesMs(gcc.frames, 25e6))).toBeLessThan(BOUND_MS)
  })

  it('off stays above the bound once the link steps down', () => {
    expect(p95(latenciesMs(off.frames, 13e6, 25e6))).toBeGreaterThan(5 * BOUND_MS)
  })
})

describe('AdaptController', () => {
  const top = {width: 640, height: 480, fps: 30, quality: 80}
  const idle = {queuedFrames: 0, busyEvents: 0, inFlightQueueUs: 0, minRttUs: undefined, deliveredBytes: 0}
  const report = (n: number, fields: Partial<FeedbackReport> = {}): FeedbackReport => ({
    reportNumber: n,
    delayValid: true,
    intervalUs: 100_000,
    queuingDelayUs: 1000,
    maxQueuingDelayUs: 1000,
    receivedBitsPerSecond: 4_000_000,
    framesReceived: 3,
    lateFrames: 0,
    missingFrames: 0,
    bufferLevelUs: 30_000,
    highestSeq: n * 3,
    latencyUs: 10_000,
    ...fields,
  })

  it('cuts to 0.85 × the received rate on overuse, at once', () => {
    const controller = new AdaptController({strategy: 'gcc', top, startKbps: 6000})
    controller.onFrameSent(20_000, 50_000, controller.encoding)
    controller.onFeedback(report(0), 100_000)
    controller.onFeedback(report(1, {queuingDelayUs: 90_000, receivedBitsPerSecond: 1_000_000}), 200_000)
    expect(controller.state.reason).toBe('overuse:delay')
    // The received rate is averaged over the last half second: (4 + 1) / 2 Mbit/s.
    expect(controller.state.targetKbps).toBe(Math.round(0.85 * 2500))
    expect(controller.encoding.scale).toBeLessThan(1)
  })

  it('ignores stale and malformed reports, counting the malformed', () => {
    const controller = new AdaptController({strategy: 'gcc', top})
    expect(controller.onFeedback(report(5), 100_000)).toBe(true)
    expect(controller.onFeedback(report(4, {queuingDelayUs: 500_000}), 110_000)).toBe(false)
    controller.onBadReport()
    expect(controller.onFeedback(report(6), 130_000)).toBe(true)
    expect(controller.state).toMatchObject({badReports: 1})
    expect(controller.state.reason).not.toMatch(/overuse/)
  })

  it('skips a frame that would arrive after the bound, but never for more than a second', () => {
    const controller = new AdaptController({strategy: 'gcc', top, maxLatencyMs: 150})
    controller.onFrameSent(30_000, 0, controller.encoding)
    controller.onFeedback(report(0, {queuingDelayUs: 140_000, latencyUs: 150_000, receivedBitsPerSecond: 50_000_000}), 100_000)
    expect(controller.shouldSend(20_000, 100_000)).toBe(false)
    expect(controller.state.skippedLate).toBe(1)
    expect(controller.shouldSend(20_000, 1_000_000)).toBe(true)
    const off = new AdaptController({strategy: 'off', top})
    off.onFeedback(report(0, {queuingDelayUs: 900_000}), 100_000)
    expect(off.shouldSend(500_000, 100_000)).toBe(true)
  })

  it('starts modestly but sends its first frame at full size, then at the rung the target allows', () => {
    const controller = new AdaptController({strategy: 'gcc', top})
    expect(controller.state.targetKbps).toBe(1000)
    expect(controller.encoding.scale).toBe(1)
    const quality = controller.encoding.quality
    expect(quality).toBeLessThan(80)
    controller.onFrameSent(12_000, 10_000, controller.encoding)
    expect(controller.encoding.scale).toBeLessThan(1)
    expect(controller.encoding.quality).toBe(quality)
  })

  it('holds increases while lanes go busy, then doubles a second while no queue forms', () => {
    const controller = new AdaptController({strategy: 'gcc', top, startKbps: 1000})
    let now = 0
    let busy = 0
    for (let n = 0; n < 10; n++) {
      now += 100_000
      controller.onSenderState({...idle, busyEvents: busy++}, now)
      controller.onFeedback(report(n, {receivedBitsPerSecond: 1_000_000}), now)
    }

    expect(controller.state).toMatchObject({targetKbps: 1000, reason: 'hold:busy-lanes'})
    // Two calm seconds, the link carrying far more than we send (so the 1.5 × received cap does not bind): the first
    // half second is still held by the last busy lane, then slow start doubles a second, ×2^1.5 at most (it also
    // waits 0.7 s at each rung of the ladder it reaches).
    for (let n = 10; n < 30; n++) {
      now += 100_000
      controller.onSenderState({...idle, busyEvents: busy}, now)
      controller.onFeedback(report(n, {receivedBitsPerSecond: 10_000_000}), now)
    }

    expect(controller.state.reason).toBe('increase:start')
    expect(controller.state.targetKbps).toBeGreaterThan(1000 * 1.08 ** 2 * 1.3)
    expect(controller.state.targetKbps).toBeLessThan(1.01 * 1000 * 2 ** 1.5)
  })

  it('ends slow start, without a cut, at the first sign of a queue (over a tenth of the bound and rising)', () => {
    const controller = new AdaptController({strategy: 'gcc', top, startKbps: 1000, maxLatencyMs: 150})
    let now = 0
    for (let n = 0; n < 5; n++) controller.onFeedback(report(n, {receivedBitsPerSecond: 1_200_000}), (now += 100_000))
    expect(controller.state.reason).toBe('increase:start')
    // 5 → 25 ms: rising past 15 ms, still far from overuse (a quarter of the bound and rising).
    for (let n = 5; n < 10; n++) controller.onFeedback(report(n, {queuingDelayUs: (n - 4) * 5000, receivedBitsPerSecond: 1_200_000}), (now += 100_000))
    const held = controller.state.targetKbps
    expect(controller.state.reason).toBe('hold')
    // The queue drains: growth resumes, but at the gentle 8 % a second.
    for (let n = 10; n < 30; n++) controller.onFeedback(report(n, {receivedBitsPerSecond: 1_200_000}), (now += 100_000))
    expect(controller.state.reason).toBe('increase')
    expect(controller.state.targetKbps / held).toBeLessThanOrEqual(1.08 ** 2 * 1.001)
  })

  it('ramps ×1.5 a second far below the rate the link held, and waits longer after a probe that fails', () => {
    const controller = new AdaptController({strategy: 'gcc', top, startKbps: 4000})
    let now = 0
    let n = 0
    const feed = (seconds: number, fields: Partial<FeedbackReport>) => {
      for (const end = now + seconds * 1e6; now < end;) {
        now += 100_000
        controller.onFeedback(report(n++, fields), now)
      }
    }

    feed(2, {receivedBitsPerSecond: 4_000_000})
    // The link slows (what gets through drops, then the queue shows): a cut to 0.85 × what got through.
    feed(0.5, {receivedBitsPerSecond: 500_000})
    feed(0.1, {queuingDelayUs: 100_000, receivedBitsPerSecond: 500_000})
    const cut = controller.state.targetKbps
    expect(cut).toBeLessThan(1000)
    // Calm, but only 2.9 s since the cut: the gentle 8 %/s.
    feed(2.9, {receivedBitsPerSecond: cut * 1000})
    expect(controller.state.reason).toBe('increase')
    const before = controller.state.targetKbps
    expect(before / cut).toBeLessThan(1.08 ** 3)
    // From 3 s after the cut, under 90 % of the 4 Mbit/s held before: ×1.5 a second (what gets through follows).
    feed(1, {receivedBitsPerSecond: before * 1000})
    expect(controller.state.reason).toBe('increase:fast')
    expect(controller.state.targetKbps / before).toBeGreaterThan(1.4)
    expect(controller.state.targetKbps / before).toBeLessThan(1.51)
    // That probe runs into overuse: cut again, and the next fast ramp waits 6 s, not 3.
    feed(0.1, {queuingDelayUs: 100_000, receivedBitsPerSecond: 500_000})
    feed(5.5, {receivedBitsPerSecond: 500_000})
    expect(controller.state.reason).toBe('increase')
    feed(1, {receivedBitsPerSecond: 500_000})
    expect(controller.state.reason).toBe('increase:fast')
  })

  it('treats a frame in flight for over half the bound (beyond the fastest round trip) as overuse, and skips behind it', () => {
    const controller = new AdaptController({strategy: 'gcc', top, startKbps: 6000, maxLatencyMs: 150})
    controller.onFrameSent(16_000, 0, controller.encoding)
    // Echoes deliver 1 Mbit/s (12.5 KB per 100 ms); the oldest frame in flight has been on its way 60 ms, 40 of them
    // the round trip: fine.
    for (let step = 0; step <= 3; step++) controller.onSenderState({...idle, inFlightQueueUs: 60_000, minRttUs: 40_000, deliveredBytes: step * 12_500}, step * 100_000)
    expect(controller.state.reason).toBe('start')
    expect(controller.shouldSend(0, 300_000)).toBe(true)
    // The link slows: the oldest has now waited 80 ms beyond the round trip. Cut to 0.85 × the delivered rate.
    controller.onSenderState({...idle, inFlightQueueUs: 120_000, minRttUs: 40_000, deliveredBytes: 4 * 12_500}, 400_000)
    expect(controller.state).toMatchObject({reason: 'overuse:in-flight', targetKbps: 850})
    expect(controller.shouldSend(0, 400_000)).toBe(true)
    // Once it has waited 150 ms, a new frame would arrive after the bound: skipped, but never for more than a second.
    controller.onSenderState({...idle, inFlightQueueUs: 200_000, minRttUs: 40_000, deliveredBytes: 4 * 12_500}, 480_000)
    expect(controller.shouldSend(0, 480_000)).toBe(false)
    expect(controller.state.skippedLate).toBe(1)
    expect(controller.shouldSend(0, 1_000_000)).toBe(true)
  })

  it('treats frames waiting for a free connection as overuse', () => {
    const controller = new AdaptController({strategy: 'gcc', top, startKbps: 6000})
    controller.onFeedback(report(0, {receivedBitsPerSecond: 3_000_000}), 100_000)
    controller.onSenderState({...idle, queuedFrames: 2}, 110_000)
    controller.onSenderState({...idle, queuedFrames: 2}, 170_000)
    expect(controller.state).toMatchObject({reason: 'overuse:send-queue', targetKbps: 2550})
  })

  it('seed re-evaluates every 25 frames and stops at its 0.5 floor', () => {
    const controller = new AdaptController({strategy: 'seed', top, maxLatencyMs: 150})
    controller.onFeedback(report(0, {latencyUs: 300_000}), 0)
    for (let i = 0; i < 24; i++) controller.onFrameSent(10_000, i, controller.encoding)
    expect(controller.encoding.scale).toBe(1)
    controller.onFrameSent(10_000, 24, controller.encoding)
    expect(controller.encoding).toEqual({scale: 0.5, quality: 80, fps: 30})
    controller.onFeedback(report(1, {latencyUs: 600_000}), 30)
    for (let i = 0; i < 25; i++) controller.onFrameSent(10_000, 30 + i, controller.encoding)
    expect(controller.encoding.scale).toBe(0.5)
    controller.onFeedback(report(2, {latencyUs: 120_000}), 60)
    for (let i = 0; i < 25; i++) controller.onFrameSent(10_000, 60 + i, controller.encoding)
    expect(controller.encoding.scale).toBeCloseTo(0.625)
    expect(controller.shouldSend(10_000_000, 100)).toBe(true)
  })
})
