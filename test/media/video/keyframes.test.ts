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

  it('names the newest frame taken since the loss in each request, so a repeat after a lost keyframe names a frame after it', () => {
    const gate = new KeyframeGate()
    expect(feed(gate, [[0, true], [1, false], [3, false]])[2].request).toEqual({requestNumber: 0, seq: 3})
    // The keyframe the sender made (frame 5) was lost: 6 and 7 are skipped, and the repeat names 7.
    feed(gate, [[4, false], [6, false], [7, false]])
    expect(gate.requestDue(KEYFRAME_REQUEST_REPEAT_US)).toEqual({requestNumber: 1, seq: 7})
  })

  it('follows sequence numbers across the u32 wrap, and takes a repeated seq as a break', () => {
    const gate = new KeyframeGate()
    expect(feed(gate, [[0xfffffffe, true], [0xffffffff, false], [0, false], [1, false]]).map((frame) => frame.verdict)).toEqual(['decode', 'decode', 'decode', 'decode'])
    expect(gate.admit(1, false)).toBe('skip')
  })
})

describe('KeyframeGate.requestNow (a recording starts on the receiver\'s side)', () => {
  it('asks for a keyframe naming the newest frame though nothing was lost, and keeps decoding; nothing before the first frame', () => {
    const gate = new KeyframeGate()
    expect(gate.requestNow()).toBeUndefined()
    feed(gate, [[0, true], [1, false], [2, false]])
    expect(gate.requestNow()).toEqual({requestNumber: 0, seq: 2})
    expect(gate.admit(3, false)).toBe('decode')
    expect(gate.requestDue(10 * KEYFRAME_REQUEST_REPEAT_US)).toBeUndefined()
    // The sender honours it: its frame is after the last keyframe.
    const requests = new KeyframeRequests()
    requests.keyframeSent(0, 0)
    expect(requests.onRequest({requestNumber: 0, seq: 2})).toBe('honoured')
  })
})

describe('KeyframeRequests (the sender)', () => {
  it('makes a keyframe this side wants (a recording starts) once MIN_KEYFRAME_GAP_US has passed since the last one', () => {
    const requests = new KeyframeRequests()
    requests.keyframeSent(0, 0)
    requests.want()
    expect(requests.take(MIN_KEYFRAME_GAP_US - 1)).toBe(false)
    expect(requests.take(MIN_KEYFRAME_GAP_US)).toBe(true)
    expect(requests.take(MIN_KEYFRAME_GAP_US)).toBe(false)
  })

  it('honours a request with one keyframe, ignores one its frame shows was sent before that keyframe arrived, and honours one for a loss after it', () => {
    const requests = new KeyframeRequests()
    requests.keyframeSent(0, 0)
    // The receiver lost frame 29 a second in, and asks naming frame 30.
    expect(requests.onRequest({requestNumber: 0, seq: 30})).toBe('honoured')
    expect(requests.take(1_000_000)).toBe(true)
    expect(requests.take(1_000_000)).toBe(false)
    requests.keyframeSent(31, 1_000_000)
    // Sent before that keyframe arrived (its repeat, still naming frame 30): not honoured.
    expect(requests.onRequest({requestNumber: 1, seq: 30})).toBe('stale')
    expect(requests.take(1_000_000 + MIN_KEYFRAME_GAP_US)).toBe(false)
    expect([requests.honoured, requests.ignored]).toEqual([1, 1])
  })

  it('makes a keyframe for a new loss right after a keyframe once MIN_KEYFRAME_GAP_US has passed, not never', () => {
    const requests = new KeyframeRequests()
    requests.keyframeSent(31, 1_000_000)
    // Frame 32 was dropped behind the big keyframe: the receiver skipped 33, 100 ms after the keyframe went out.
    expect(requests.onRequest({requestNumber: 0, seq: 33})).toBe('honoured')
    expect(requests.take(1_100_000)).toBe(false)
    expect(requests.take(1_000_000 + MIN_KEYFRAME_GAP_US - 1)).toBe(false)
    expect(requests.take(1_000_000 + MIN_KEYFRAME_GAP_US)).toBe(true)
  })

  it('honours a request naming the keyframe or a later frame: that keyframe was lost, late or did not decode', () => {
    const requests = new KeyframeRequests()
    requests.keyframeSent(31, 0)
    expect(requests.onRequest({requestNumber: 0, seq: 31})).toBe('honoured')
    expect(requests.take(MIN_KEYFRAME_GAP_US)).toBe(true)
    requests.keyframeSent(40, MIN_KEYFRAME_GAP_US)
    expect(requests.onRequest({requestNumber: 1, seq: 48})).toBe('honoured')
  })

  it('makes at most one keyframe per MIN_KEYFRAME_GAP_US whatever the requests say', () => {
    const requests = new KeyframeRequests()
    requests.keyframeSent(0, 0)
    const keyframesAtMs = [0]
    // A receiver that asks before every frame (a frame every 10 ms), naming the newest frame, for a second.
    for (let frame = 1; frame < 100; frame++) {
      const nowUs = frame * 10_000
      requests.onRequest({requestNumber: frame, seq: frame - 1})
      if (requests.take(nowUs)) {
        requests.keyframeSent(frame, nowUs)
        keyframesAtMs.push(nowUs / 1000)
      }
    }

    expect(keyframesAtMs).toEqual([0, 250, 500, 750])
  })

  it('ignores a duplicate or reordered request, and a second one while a keyframe is due', () => {
    const requests = new KeyframeRequests()
    expect(requests.onRequest({requestNumber: 5, seq: 10})).toBe('honoured')
    expect(requests.onRequest({requestNumber: 6, seq: 11})).toBe('pending')
    requests.take(0)
    expect(requests.onRequest({requestNumber: 6, seq: 12})).toBe('duplicate')
    expect(requests.onRequest({requestNumber: 4, seq: 12})).toBe('duplicate')
    // Across the 16-bit wrap a request is still newer.
    const wrapping = new KeyframeRequests()
    wrapping.onRequest({requestNumber: 0xffff, seq: 10})
    wrapping.take(0)
    expect(wrapping.onRequest({requestNumber: 0, seq: 11})).toBe('honoured')
  })

  it('counts a keyframe the encoder made on its own: towards the gap, as repairing earlier losses, and as the one due', () => {
    const requests = new KeyframeRequests()
    requests.keyframeSent(30, 1_000_000)
    expect(requests.onRequest({requestNumber: 0, seq: 29})).toBe('stale')
    expect(requests.onRequest({requestNumber: 1, seq: 31})).toBe('honoured')
    expect(requests.take(1_000_000 + MIN_KEYFRAME_GAP_US - 1)).toBe(false)
    // The encoder's own keyframe (every 4 s) came first: no second one.
    requests.keyframeSent(38, 1_000_000 + MIN_KEYFRAME_GAP_US - 1)
    expect(requests.take(2_000_000)).toBe(false)
  })

  it('compares frames across the u32 wrap', () => {
    const requests = new KeyframeRequests()
    requests.keyframeSent(0xfffffffe, 0)
    expect(requests.onRequest({requestNumber: 0, seq: 0xfffffffd})).toBe('stale')
    expect(requests.onRequest({requestNumber: 1, seq: 1})).toBe('honoured')
  })
})
