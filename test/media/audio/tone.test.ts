import {describe, expect, it} from 'vitest'

import {concealFrame} from '../../../src/media/audio/concealment.js'
import {FRAME_BYTES, FRAME_SAMPLES, SAMPLE_RATE} from '../../../src/media/audio/format.js'
import {ContinuityChecker, readMarker, ToneGenerator, writeMarker} from '../../../src/media/audio/tone.js'
import {dominantFrequency, zeroCrossingFrequency} from '../../audio/pcm-analysis.js'

describe('ToneGenerator', () => {
  it('writes each frame\'s index into its watermark and reads it back', () => {
    const tone = new ToneGenerator(440)
    for (const index of [0, 1, 2, 1000, 2 ** 31, 2 ** 32 - 1]) expect(readMarker(tone.frame(index))).toBe(index)
  })

  it('finds no marker in silence, in a faded concealment frame, or in a short buffer', () => {
    const tone = new ToneGenerator(440)
    expect(readMarker(Buffer.alloc(FRAME_BYTES))).toBeUndefined()
    expect(readMarker(concealFrame(tone.frame(7), 2))).toBeUndefined()
    expect(readMarker(Buffer.alloc(10))).toBeUndefined()
  })

  it('keeps the sine continuous across frames and at the asked frequency', () => {
    const tone = new ToneGenerator(1000)
    const pcm = Buffer.concat(Array.from({length: 50}, (_, index) => tone.frame(index)))
    expect(zeroCrossingFrequency(pcm)).toBeCloseTo(1000, -1)
    expect(dominantFrequency(pcm, [500, 1000, 2000])).toBe(1000)
    // the step between the last sample of a frame and the first of the next is an ordinary sine step
    const peak = 0.3 * 32_767
    const maxStep = peak * 2 * Math.PI * (1000 / SAMPLE_RATE) + 2
    for (let frame = 1; frame < 50; frame++) {
      const at = frame * FRAME_SAMPLES
      expect(Math.abs(pcm.readInt16LE(at * 2) - pcm.readInt16LE((at - 1) * 2))).toBeLessThanOrEqual(maxStep)
    }
  })

  it('changes only the low bit of the first 48 samples', () => {
    const pcm = new ToneGenerator(440).frame(3)
    const copy = Buffer.from(pcm)
    writeMarker(copy, 0xffffffff)
    for (let sample = 0; sample < FRAME_SAMPLES; sample++) {
      const delta = Math.abs(copy.readInt16LE(sample * 2) - pcm.readInt16LE(sample * 2))
      expect(delta).toBeLessThanOrEqual(sample < 48 ? 1 : 0)
    }
  })
})

describe('ContinuityChecker', () => {
  it('counts missing, repeated and unmarked frames', () => {
    const tone = new ToneGenerator(440)
    const checker = new ContinuityChecker()
    for (const index of [5, 6, 7, 9, 9, 10]) checker.check(tone.frame(index))
    checker.check(Buffer.alloc(FRAME_BYTES))
    expect(checker.report).toEqual({marked: 6, unmarked: 1, missing: 1, backwards: 1, firstIndex: 5, lastIndex: 10})
  })

  it('reports a clean run as clean', () => {
    const tone = new ToneGenerator(440)
    const checker = new ContinuityChecker()
    for (let index = 0; index < 100; index++) checker.check(tone.frame(index))
    expect(checker.report).toMatchObject({marked: 100, missing: 0, backwards: 0, unmarked: 0})
  })
})
