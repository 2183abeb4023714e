import {describe, expect, it} from 'vitest'

import type {AudioOffer, MediaOffer, VideoOffer} from '../../../src/protocol/call/fields.js'
import {answerFormats, answerProblem, bestFormat, callFormats} from '../../../src/protocol/call/formats.js'

const audio = (formats: string[], more: Partial<AudioOffer> = {}): AudioOffer => ({formats, port: 40_002, connections: 10, send: true, receive: true, ...more})
const video = (formats: string[], more: Partial<VideoOffer> = {}): VideoOffer => ({formats, port: 40_001, connections: 20, send: true, receive: true, ...more})

describe('the best format of a direction', () => {
  it('is the first of the fixed preference both sides have, whatever order they list theirs in', () => {
    expect(bestFormat('audio', ['pcm-s16le', 'opus'], ['pcm-s16le', 'opus'])).toBe('opus')
    expect(bestFormat('video', ['raw', 'mjpeg'], ['mjpeg', 'raw'])).toBe('mjpeg')
    // h264 > vp8 > mjpeg: vp8 where one side lacks h264, h264 where both have both.
    expect(bestFormat('video', ['vp8', 'mjpeg', 'raw'], ['h264', 'vp8', 'mjpeg', 'raw'])).toBe('vp8')
    expect(bestFormat('video', ['mjpeg', 'vp8', 'h264'], ['vp8', 'h264'])).toBe('h264')
  })

  it('falls back to what both have: pcm when one side has no Opus, raw when one has no JPEG', () => {
    expect(bestFormat('audio', ['opus', 'pcm-s16le'], ['pcm-s16le'])).toBe('pcm-s16le')
    expect(bestFormat('video', ['raw'], ['mjpeg', 'raw'])).toBe('raw')
  })

  it('is none when the two share nothing, and never a format this ivc does not rank', () => {
    expect(bestFormat('audio', ['opus'], ['pcm-s16le'])).toBeUndefined()
    expect(bestFormat('audio', ['speex', 'pcm-s16le'], ['speex', 'pcm-s16le'])).toBe('pcm-s16le')
    expect(bestFormat('audio', ['mjpeg'], ['mjpeg'])).toBeUndefined()
  })
})

describe('the callee\'s answer', () => {
  it('chooses each direction on its own: opus from the side that has it to the side that has it too', () => {
    const invite: MediaOffer = {audio: audio(['opus', 'pcm-s16le']), video: video(['mjpeg', 'raw'])}
    const answer = answerFormats(invite, {audio: audio(['opus', 'pcm-s16le'], {port: 40_012}), video: video(['mjpeg', 'raw'], {port: 40_011})})
    expect(answer.audio).toEqual({...audio(['opus', 'pcm-s16le'], {port: 40_012}), toCaller: 'opus', toCallee: 'opus'})
    expect(answer.video).toMatchObject({toCaller: 'mjpeg', toCallee: 'mjpeg'})
    expect(answerProblem(invite, answer)).toBeUndefined()
    expect(callFormats('caller', invite, answer)).toEqual({audio: {send: 'opus', receive: 'opus'}, video: {send: 'mjpeg', receive: 'mjpeg'}})
    expect(callFormats('callee', answer, invite)).toEqual({audio: {send: 'opus', receive: 'opus'}, video: {send: 'mjpeg', receive: 'mjpeg'}})
  })

  it('uses pcm both ways with a callee that has no Opus (or was told --audio-codec pcm)', () => {
    const invite: MediaOffer = {audio: audio(['opus', 'pcm-s16le'])}
    const answer = answerFormats(invite, {audio: audio(['pcm-s16le'])})
    expect(answer.audio).toMatchObject({toCaller: 'pcm-s16le', toCallee: 'pcm-s16le'})
    expect(callFormats('caller', invite, answer)).toEqual({audio: {send: 'pcm-s16le', receive: 'pcm-s16le'}})
  })

  it('chooses nothing for a direction that does not flow, or whose sides share no format', () => {
    const receiveOnly: MediaOffer = {audio: audio(['opus', 'pcm-s16le'], {send: false})}
    expect(answerFormats(receiveOnly, {audio: audio(['opus'])}).audio).toMatchObject({toCaller: 'opus'})
    expect(answerFormats(receiveOnly, {audio: audio(['opus'])}).audio).not.toHaveProperty('toCallee')
    const onlyOpus = answerFormats({audio: audio(['pcm-s16le'])}, {audio: audio(['opus'])})
    expect(onlyOpus.audio).not.toHaveProperty('toCaller')
    expect(callFormats('callee', onlyOpus, {audio: audio(['pcm-s16le'])})).toEqual({audio: {}})
    // A medium the caller did not offer: the callee's stream is in the answer, with nothing chosen.
    expect(answerFormats({}, {video: video(['mjpeg'])}).video).toEqual(video(['mjpeg']))
  })
})

describe('the caller\'s check of the answer', () => {
  const invite: MediaOffer = {audio: audio(['pcm-s16le'])}

  it('refuses a format the caller did not offer, even one the callee lists', () => {
    expect(answerProblem(invite, {audio: {...audio(['opus', 'pcm-s16le']), toCaller: 'opus'}})).toBe('the accept chose audio toCaller "opus", which this side did not offer')
    expect(answerProblem(invite, {audio: {...audio(['opus', 'pcm-s16le']), toCallee: 'opus'}})).toBe('the accept chose audio toCallee "opus", which this side did not offer')
  })

  it('refuses a format the callee did not list itself', () => {
    expect(answerProblem(invite, {audio: {...audio(['opus']), toCaller: 'pcm-s16le'}})).toBe('the accept chose audio toCaller "pcm-s16le", which its own offer does not list')
  })

  it('refuses a choice for a direction that does not flow', () => {
    expect(answerProblem({audio: audio(['pcm-s16le'], {receive: false})}, {audio: {...audio(['pcm-s16le']), toCaller: 'pcm-s16le'}})).toBe('the accept chose audio toCaller "pcm-s16le" for a direction that does not flow')
    expect(answerProblem({}, {audio: {...audio(['pcm-s16le']), toCallee: 'pcm-s16le'}})).toBe('the accept chose audio toCallee "pcm-s16le" for a direction that does not flow')
  })

  it('passes every honest answer: whatever both sides list, the callee\'s choice is one the caller accepts', () => {
    const pool = ['opus', 'pcm-s16le', 'speex', 'mjpeg', 'raw', 'h264', 'vp8']
    let seed = 7
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648
    const some = () => {
      const formats = pool.filter(() => random() < 0.5)
      return formats.length > 0 ? formats : ['pcm-s16le']
    }

    for (let run = 0; run < 500; run++) {
      const flags = () => ({send: random() < 0.8, receive: random() < 0.8})
      const invite: MediaOffer = {audio: audio(some(), flags()), video: video(some(), flags())}
      const answer = answerFormats(invite, {audio: audio(some(), flags()), video: video(some(), flags())})
      expect(answerProblem(invite, answer)).toBeUndefined()
    }
  })
})
