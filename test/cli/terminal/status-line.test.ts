import {describe, expect, it} from 'vitest'

import {applyCallEvent, applyStats, IDLE, modeOf} from '../../../src/cli/terminal/call-view.js'
import {statusLine} from '../../../src/cli/terminal/status-line.js'

describe('the call terminal\'s status line', () => {
  it('follows a call from ringing to media, toggles and stats, and back to idle', () => {
    let view = applyCallEvent(IDLE, 'call.incoming', {peer: 'alice', address: '10.0.0.5'}, 1000)
    expect(modeOf(view)).toBe('incoming')
    expect(statusLine(view, 4000, 'bob')).toBe('incoming call from alice (10.0.0.5) 00:03 — accept? y / n')
    view = applyCallEvent(view, 'call.started', {peer: 'alice'}, 5000)
    view = applyCallEvent(view, 'call.media-up', {peer: 'alice'}, 6000)
    view = applyCallEvent(view, 'call.media', {side: 'peer', kind: 'audio', on: false}, 7000)
    view = applyCallEvent(view, 'call.media', {side: 'local', kind: 'video', on: false}, 7000)
    view = applyStats(view, 'video', {role: 'receiver', fps: 29.84, kbps: 3120, latencyMs: {p50: 41.2, p95: 60}})
    view = applyStats(view, 'video', {role: 'sender', fps: 30, kbps: 900, adapt: {scale: 0.5, quality: 70}})
    view = applyStats(view, 'audio', {role: 'receiver', kbps: 768, latencyMs: {p50: 57, p95: 80}})
    expect(modeOf(view)).toBe('in-call')
    expect(statusLine(view, 88_000, 'bob', 300)).toBe(
      'in call with alice 01:23 | video in 29.8 fps 41 ms 3.1 Mb/s, out 30 fps 900 kb/s ×0.5 q70 | audio in 57 ms 768 kb/s | you: mic on, cam OFF | alice: mic OFF, cam on | ? keys',
    )
    const stalled = applyCallEvent(view, 'call.stalled', {peer: 'alice'}, 90_000)
    expect(statusLine(stalled, 93_500, 'bob', 300)).toContain('in call with alice 01:28 | alice not heard from for 3 s: reconnecting…')
    expect(statusLine(applyCallEvent(stalled, 'call.resumed', {}, 94_000), 94_000, 'bob', 300)).not.toContain('reconnecting')
    const ended = applyCallEvent(view, 'call.ended', {peer: 'alice'}, 95_000)
    expect(modeOf(ended)).toBe('idle')
    expect(statusLine(ended, 95_000, 'bob')).toBe('bob: no call | ? keys')
  })

  it('keeps the call when a second caller is refused, and fits the terminal width', () => {
    const view = applyCallEvent(applyCallEvent(IDLE, 'call.started', {peer: 'alice'}, 0), 'call.media-up', {}, 0)
    expect(applyCallEvent(view, 'call.refused', {peer: 'carol'}, 1)).toBe(view)
    const line = statusLine(view, 1000, 'bob', 30)
    expect([...line]).toHaveLength(29)
    expect(line.endsWith('…')).toBe(true)
  })

  it('never prints the peer\'s control characters', () => {
    const view = applyCallEvent(IDLE, 'call.incoming', {peer: 'x\u001B]0;pwn\u0007', address: '1.2.3.4'}, 0)
    // eslint-disable-next-line no-control-regex -- the point: no control character may reach the terminal
    expect(statusLine(view, 0, 'bob')).not.toMatch(/[\u0000-\u001F]/)
  })
})
