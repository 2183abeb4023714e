import {describe, expect, it} from 'vitest'

import {FRAME_BYTES} from '../../../src/media/audio/format.js'
import {AudioJitterBuffer, type AudioJitterBufferOptions, type Playout} from '../../../src/media/audio/jitter-buffer.js'

/** A frame whose every sample is `value` (so concealment can be told apart from real frames). */
function frame(value: number): Buffer {
  const pcm = Buffer.alloc(FRAME_BYTES)
  for (let offset = 0; offset < FRAME_BYTES; offset += 2) pcm.writeInt16LE(value, offset)
  return pcm
}

interface Arrival {
  seq: number
  atMs: number
}

/**
 * Feed arrivals and 20 ms playout ticks in time order, as a receiver would. Frame `seq` carries value (seq % 1000)+1.
 * Returns every playout from the first tick.
 */
function simulate(arrivals: Arrival[], untilMs: number, options: AudioJitterBufferOptions = {}, tickPhaseMs = 7) {
  const buffer = new AudioJitterBuffer(options)
  const sorted = [...arrivals].sort((a, b) => a.atMs - b.atMs)
  const playouts: Array<Playout & {atMs: number}> = []
  let next = 0
  for (let tick = tickPhaseMs; tick <= untilMs; tick += 20) {
    while (next < sorted.length && sorted[next].atMs <= tick) {
      const {seq, atMs} = sorted[next++]
      buffer.push(seq, frame((seq % 1000) + 1), atMs, atMs * 1000)
    }

    playouts.push({...buffer.pull(tick), atMs: tick})
  }

  return {buffer, playouts, played: playouts.filter((p) => p.kind === 'frame').map((p) => (p as {seq: number}).seq)}
}

const steady = (count: number, transitMs: (seq: number) => number = () => 5, first = 0): Arrival[] =>
  Array.from({length: count}, (_, index) => ({seq: first + index, atMs: index * 20 + transitMs(first + index)}))

describe('AudioJitterBuffer', () => {
  it('buffers for the initial 40 ms, then plays every frame in order with nothing concealed', () => {
    const {buffer, playouts, played} = simulate(steady(200), 200 * 20)
    expect(playouts[0].kind).toBe('buffering')
    const firstPlayed = playouts.findIndex((p) => p.kind === 'frame')
    // first frame arrives at 5 ms; playout starts at the first tick at or after 5 + 40 ms
    expect(playouts[firstPlayed].atMs).toBe(47)
    expect(played).toEqual(Array.from({length: played.length}, (_, index) => index))
    expect(played.length).toBeGreaterThanOrEqual(195)
    expect(buffer.stats).toMatchObject({concealed: 0, underruns: 0, late: 0, lost: 0, duplicates: 0})
  })

  it('reorders frames that arrive swapped in pairs', () => {
    const arrivals = steady(100).map(({seq, atMs}) => ({seq, atMs: seq % 2 === 0 ? atMs + 12 : atMs}))
    const {buffer, played} = simulate(arrivals, 100 * 20)
    // Every frame is played in order, except any the buffer skipped on purpose to shed delay.
    expect(played).toEqual([...played].sort((a, b) => a - b))
    expect(played.length + buffer.stats.dropped).toBe(played.at(-1)! + 1)
    expect(buffer.stats).toMatchObject({lost: 0, late: 0, concealed: 0})
  })

  it('conceals a lost frame with a faded repeat of the last good one and moves on', () => {
    const arrivals = steady(100).filter(({seq}) => seq !== 40)
    const {buffer, playouts, played} = simulate(arrivals, 100 * 20)
    expect(played).not.toContain(40)
    expect(played).toContain(41)
    expect(buffer.stats).toMatchObject({lost: 1, concealed: 1, underruns: 0})
    const index = playouts.findIndex((p) => p.kind === 'concealed')
    const concealed = playouts[index] as Extract<Playout, {kind: 'concealed'}>
    expect(concealed.reason).toBe('lost')
    expect((playouts[index - 1] as {seq: number}).seq).toBe(39)
    expect(concealed.pcm.readInt16LE(0)).toBe(40) // frame 39 carries the value 40, at full gain at first
    expect(concealed.pcm.readInt16LE(FRAME_BYTES - 2)).toBe(20) // faded to half by the end
  })

  it('fades two lost frames out and then plays silence', () => {
    const arrivals = steady(100).filter(({seq}) => seq < 40 || seq > 44)
    const {buffer, playouts, played} = simulate(arrivals, 100 * 20)
    const concealed = playouts.filter((p) => p.kind === 'concealed') as Array<Extract<Playout, {kind: 'concealed'}>>
    // The gap is 100 ms: filled while waiting (underruns), then the hole is given up at once.
    expect(concealed.length).toBeGreaterThanOrEqual(3)
    expect(concealed.length).toBeLessThanOrEqual(5)
    expect(concealed.at(-1)!.reason).toBe('lost')
    expect(concealed[1].pcm.readInt16LE(0)).toBe(20)
    expect(concealed[1].pcm.readInt16LE(FRAME_BYTES - 2)).toBe(0)
    for (const later of concealed.slice(2)) expect(later.pcm.equals(Buffer.alloc(FRAME_BYTES))).toBe(true)
    expect(played).toContain(45)
    expect(buffer.stats.lost).toBe(5)
  })

  it('counts and drops a frame that arrives after its playout time', () => {
    const arrivals = steady(100).map(({seq, atMs}) => ({seq, atMs: seq === 50 ? atMs + 400 : atMs}))
    const {buffer, played} = simulate(arrivals, 100 * 20)
    expect(played).not.toContain(50)
    expect(buffer.stats.late).toBe(1)
    expect(buffer.stats.lost).toBe(1)
  })

  it('counts duplicates once and plays the frame once', () => {
    const arrivals = [...steady(60), {seq: 30, atMs: 30 * 20 + 6}]
    const {buffer, played} = simulate(arrivals, 60 * 20)
    expect(played.filter((seq) => seq === 30)).toHaveLength(1)
    expect(buffer.stats.duplicates).toBe(1)
  })

  it('raises the target delay under bursty arrivals and then stops running dry', () => {
    // Frames come in bursts of 5 every 100 ms: up to 80 ms of spread.
    const arrivals = steady(1000, (seq) => 2 + (4 - (seq % 5)) * 20)
    const {buffer, playouts} = simulate(arrivals, 1000 * 20)
    expect(buffer.targetDelayMs).toBeGreaterThanOrEqual(80)
    expect(buffer.targetDelayMs).toBeLessThanOrEqual(200)
    const afterWarmup = playouts.slice(100)
    expect(afterWarmup.filter((p) => p.kind !== 'frame')).toEqual([])
  })

  it('keeps the target within 20..200 ms', () => {
    const wild = simulate(steady(400, (seq) => (seq % 25 === 0 ? 600 : 1)), 400 * 20)
    expect(wild.buffer.targetDelayMs).toBe(200)
    const calm = simulate(steady(400), 400 * 20)
    expect(calm.buffer.targetDelayMs).toBe(20)
  })

  it('lowers the target slowly and sheds the extra delay by skipping frames once jitter goes away', () => {
    const arrivals = steady(1500, (seq) => (seq < 300 ? 2 + (seq % 5) * 30 : 2))
    const {buffer, playouts} = simulate(arrivals, 1500 * 20, {windowFrames: 100})
    expect(buffer.targetDelayMs).toBe(20)
    expect(buffer.stats.dropped).toBeGreaterThan(0)
    const last = playouts.at(-2) as Extract<Playout, {kind: 'frame'}>
    expect(last.kind).toBe('frame')
    expect(last.delayMs).toBeLessThan(60)
  })

  it('stretches through a pause in the stream without losing frames (an underrun)', () => {
    // Nothing arrives for 200 ms, then the held-up frames all arrive at once.
    const arrivals = steady(150).map(({seq, atMs}) => ({seq, atMs: seq >= 60 && seq < 70 ? 70 * 20 + 1 : atMs}))
    const {buffer, played} = simulate(arrivals, 170 * 20)
    expect(buffer.stats.underruns).toBeGreaterThan(0)
    expect(played).toEqual(Array.from({length: played.length}, (_, index) => index))
    expect(played.length).toBeGreaterThan(140)
    expect(buffer.stats.lost).toBe(0)
  })

  it('follows the sequence number through its 32-bit wrap-around', () => {
    const first = 2 ** 32 - 20
    const arrivals = steady(60, () => 5, first).map(({seq, atMs}) => ({seq: seq % 2 ** 32, atMs}))
    const {buffer, played} = simulate(arrivals, 60 * 20)
    const expected = Array.from({length: played.length}, (_, index) => (first + index) % 2 ** 32)
    expect(played).toEqual(expected)
    expect(played).toContain(0)
    expect(buffer.stats).toMatchObject({late: 0, lost: 0, concealed: 0})
  })

  it('handles a 16-bit wrap with reordering across it', () => {
    const arrivals = [65534, 0, 65535, 1, 2, 3, 4, 5].map((seq, index) => ({seq, atMs: index * 20 + 3}))
    const {played} = simulate(arrivals, 10 * 20, {seqBits: 16})
    expect(played.slice(0, 6)).toEqual([65534, 65535, 0, 1, 2, 3])
  })

  it('stays within its capacity when frames jump far ahead', () => {
    const arrivals = [...steady(10), {seq: 10_000, atMs: 10 * 20 + 5}]
    const {buffer} = simulate(arrivals, 12 * 20, {capacityFrames: 20})
    expect(buffer.buffered).toBeLessThanOrEqual(20)
    expect(buffer.stats.dropped).toBeGreaterThan(0)
  })
})
