import {describe, expect, it} from 'vitest'

import {alignColumns, renderCallStats} from '../../src/call/stats-table.js'

describe('ivc control stats on a terminal', () => {
  it('shows the status, then a row per stream and direction (named with its codec when it reports one) with its counters that matter', () => {
    const text = renderCallStats({
      state: 'in-call',
      peer: 'bob',
      callId: 'c1',
      sending: {local: {audio: true, video: true}, peer: {audio: true, video: false}},
      video: {
        sender: {role: 'sender', frames: 300, fps: 29.96, kbps: 3821.54, latencyMs: null, adapt: {strategy: 'gcc', targetKbps: 4000, scale: 1, quality: 80}},
        receiver: {role: 'receiver', codec: 'vp8', frames: 298, fps: 29.8, kbps: 3800, latencyMs: {p50: 12, p95: 25, max: 40}, dropped: 0, freezes: 1},
      },
      audio: {receiver: {role: 'receiver', codec: 'opus', frames: 500, kbps: 31, latencyMs: {p50: 41, p95: 57}, underruns: 2, targetDelayMs: 40}},
    })
    expect(text).toBe(
      [
        'state: in-call',
        'peer: bob',
        'call: c1',
        'you send: audio on, video on',
        'peer sends: audio on, video OFF',
        '',
        'stream           frames  fps   kbit/s  latency p50/p95  notes',
        'video out        300     30    3821.5  -                adapt gcc: 4000 kbit/s, scale 1, q80',
        'video in (vp8)   298     29.8  3800    12 / 25 ms       freezes 1',
        'audio in (opus)  500     -     31      41 / 57 ms       underruns 2, buffer 40 ms',
        '',
      ].join('\n'),
    )
  })

  it('says so when no stream has reported yet', () => {
    expect(renderCallStats({state: 'listening'})).toBe('state: listening\n\nno stream has reported statistics yet\n')
  })

  it('aligns columns without padding the last', () => {
    expect(alignColumns([['a', 'bb', 'c'], ['ccc', 'd', 'eeee']])).toBe('a    bb  c\nccc  d   eeee\n')
  })
})
