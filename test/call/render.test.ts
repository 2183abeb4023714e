import {describe, expect, it} from 'vitest'

import {describeCallEvent, describeSummary, printable} from '../../src/call/render.js'

describe('call events for people', () => {
  it('shows a text message from the peer, and our own, one line each', () => {
    expect(describeCallEvent('call.chat', {peer: 'bob', direction: 'in', text: 'can you hear me?'})).toBe('bob: can you hear me?')
    expect(describeCallEvent('call.chat', {peer: 'bob', direction: 'out', text: 'yes'})).toBe('you: yes')
  })

  it('says which formats the call agreed on when media flows, and the audio codec in the summary', () => {
    expect(describeCallEvent('call.media-up', {peer: 'bob', formats: {audio: {send: 'opus', receive: 'opus'}, video: {send: 'mjpeg', receive: 'mjpeg'}}})).toBe('media flowing with bob (audio opus, video mjpeg)')
    expect(describeCallEvent('call.media-up', {peer: 'bob', formats: {audio: {send: 'opus', receive: 'pcm-s16le'}}})).toBe('media flowing with bob (audio opus out / pcm-s16le in)')
    expect(describeCallEvent('call.media-up', {peer: 'bob', formats: {audio: {receive: 'pcm-s16le'}}})).toBe('media flowing with bob (audio none out / pcm-s16le in)')
    const summary = {callId: 'c1', peer: 'bob', role: 'caller', durationS: 3, endReason: 'bye', endCode: 'hangup', audio: {role: 'receiver' as const, codec: 'opus', frames: 150, latencyMs: {p95: 48}}}
    expect(describeSummary(summary)).toBe('call c1 with bob: 3 s, ended (hangup): bye; video: -; audio (opus): 150 frames, p95 48 ms\n')
  })

  it('shows a stalled peer as reconnecting, with the bound, and its return', () => {
    expect(describeCallEvent('call.stalled', {peer: 'bob', silentMs: 2000, timeoutMs: 15_000})).toBe('bob is not answering: reconnecting… (the call ends after 15.0 s of silence)')
    expect(describeCallEvent('call.resumed', {peer: 'bob', silentMs: 5230})).toBe('bob is back after 5.2 s of silence')
  })

  it('never lets a peer\'s text reach the terminal with control characters (escape sequences, newlines, C1)', () => {
    const hostile = 'hi\u001b]0;pwned\u0007\nfake line\u009b2J\u007f'
    const shown = describeCallEvent('call.chat', {peer: 'mallory', direction: 'in', text: hostile})!
    expect(shown).toBe('mallory: hi\uFFFD]0;pwned\uFFFD\uFFFDfake line\uFFFD2J\uFFFD')
    // eslint-disable-next-line no-control-regex -- the point: no control character may reach the terminal
    expect(shown).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/)
    // Ordinary text, accents and emoji pass untouched.
    expect(printable('Grüße — 你好 👋')).toBe('Grüße — 你好 👋')
  })
})
