import {describe, expect, it} from 'vitest'

import {KEYFRAME_REQUEST_REPEAT_US, KeyframeGate} from '../../../src/media/video/keyframe-gate.js'
import {KeyframeRequests, MIN_KEYFRAME_GAP_US} from '../../../src/media/video/keyframe-requests.js'

/** Feed frames [seq, key] through a gate at `nowUs`; the verdicts and any request due after each. */
function feed(gate: KeyframeGate, frames: Array<[number, boolean]>, nowUs = 0) {
  return frames.map(([seq, key]) => ({seq, verdict: gate.admit(seq, key), request: gate.requestDue(nowUs)}))
}

describe('KeyframeGate (the receiver)', () => {
  it('decodes an unbroken run from the first keyframe and asks for nothing', () => {
    const gate = new KeyframeGate()
    const out = feed(gate, [[0, true], [1, false], [2, false], [3, false]])
    expect(out.map((frame) => frame.verdict)).toEqual(['decode', 'decode', 'decode', 'decode'])
    expect(out.every((frame) => frame.request === undefined)).toBe(true)
    expect(gate.skipped).toBe(0)
  })

  it('after a missing frame skips every frame to the next keyframe, asks at once, and decodes from the keyframe on', () => {
    const gate = new KeyframeGate()
    const out = feed(gate, [[0, true], [1, false], [3, false], [4, false], [5, true], [6, false]])
    expect(out.map((frame) => frame.verdict)).toEqual(['decode', 'decode', 'skip', 'skip', 'decode', 'decode'])
    expect(out[2].request).toEqual({requestNumber: 0, seq: 3})
    // Asked once: the next skip within the repeat interval does not ask again.
    expect(out[3].request).toBeUndefined()
    expect(gate.skipped).toBe(2)
  })

  it('asks again every repeat interval while the keyframe does not come, and stops once it has', () => {
    const gate = new KeyframeGate()
    feed(gate, [[0, true], [2, false]])
    expect(gate.requestDue(KEYFRAME_REQUEST_REPEAT_US - 1)).toBeUndefined()
    expect(gate.requestDue(KEYFRAME_REQUEST_REPEAT_US)).toEqual({requestNumber: 1, seq: 2})
    expect(gate.requestDue(2 * KEYFRAME_REQUEST_REPEAT_US)).toEqual({requestNumber: 2, seq: 2})
    gate.admit(3, true)
    expect(gate.requestDue(10 * KEYFRAME_REQUEST_REPEAT_US)).toBeUndefined()
    expect(gate.requests).toBe(3)
  })

  it('joining late (the first frame is no keyframe) waits for one and asks', () => {
    const gate = new KeyframeGate()
    expect(gate.requestDue(0)).toBeUndefined()
    const out = feed(gate, [[40, false], [41, false], [42, true], [43, false]])
    expect(out.map((frame) => frame.verdict)).toEqual(['skip', 'skip', 'decode', 'decode'])
    expect(out[0].request).toEqual({requestNumber: 0, seq: 40})
  })

  it('a frame that failed to decode breaks the chain like a missing one', () => {
    const gate = new KeyframeGate()
    feed(gate, [[0, true], [1, false]])
    gate.failed()
    expect(gate.requestDue(0)).toEqual({requestNumber: 0, seq: 1})
    expect(feed(gate, [[2, false], [3, true]]).map((frame) => frame.verdict)).toEqual(['skip', 'decode'])
  })

  it('follows sequence numbers across the u32 wrap, and takes a repeated seq as a break', () => {
    const gate = new KeyframeGate()
    expect(feed(gate, [[0xfffffffe, true], [0xffffffff, false], [0, false], [1, false]]).map((frame) => frame.verdict)).toEqual(['decode', 'decode', 'decode', 'decode'])
    expect(gate.admit(1, false)).toBe('skip')
  })
})

describe('KeyframeRequests (the sender)', () => {
  it('honours a request with one keyframe, at most one per MIN_KEYFRAME_GAP_US', () => {
    const requests = new KeyframeRequests()
    expect(requests.onRequest(0, 0)).toBe(true)
    expect(requests.take()).toBe(true)
    expect(requests.take()).toBe(false)
    requests.keyframeSent(10_000)
    // Sent before that keyframe arrived: not honoured.
    expect(requests.onRequest(1, 100_000)).toBe(false)
    expect(requests.take()).toBe(false)
    // Still waiting after the gap: honoured.
    expect(requests.onRequest(2, 10_000 + MIN_KEYFRAME_GAP_US)).toBe(true)
    expect(requests.take()).toBe(true)
    expect([requests.honoured, requests.ignored]).toEqual([2, 1])
  })

  it('ignores a duplicate or reordered request, and a second one while a keyframe is pending', () => {
    const requests = new KeyframeRequests()
    expect(requests.onRequest(5, 0)).toBe(true)
    expect(requests.onRequest(6, 0)).toBe(false)
    requests.take()
    expect(requests.onRequest(6, 0)).toBe(false)
    expect(requests.onRequest(4, 0)).toBe(false)
    // Across the 16-bit wrap a request is still newer.
    const wrapping = new KeyframeRequests()
    wrapping.onRequest(0xffff, 0)
    wrapping.take()
    expect(wrapping.onRequest(0, 0)).toBe(true)
  })

  it('counts a keyframe the encoder made on its own towards the gap', () => {
    const requests = new KeyframeRequests()
    requests.keyframeSent(1_000_000)
    expect(requests.onRequest(0, 1_000_000 + MIN_KEYFRAME_GAP_US - 1)).toBe(false)
    expect(requests.onRequest(1, 1_000_000 + MIN_KEYFRAME_GAP_US)).toBe(true)
  })
})
