import {FRAME_BYTES, FRAME_SAMPLES, SAMPLE_RATE} from './format.js'

/**
 * The test tone: a sine whose phase runs on from frame to frame (sample n of the stream is sin(2π f n / rate)), with
 * a watermark in the least significant bit of each frame's first 48 samples: a 16-bit magic then the 32-bit frame
 * index. At −90 dB it is inaudible, it survives PCM transport untouched, and any sink can read it back to prove
 * that frames came in order, none missing, none repeated.
 */
export const MARKER_MAGIC = 0xa55a
const MAGIC_BITS = 16
const INDEX_BITS = 32
export const MARKER_SAMPLES = MAGIC_BITS + INDEX_BITS

export class ToneGenerator {
  readonly #step: number

  constructor(
    readonly frequency = 440,
    /** Peak level as a fraction of full scale. */
    readonly amplitude = 0.3,
  ) {
    this.#step = (2 * Math.PI * frequency) / SAMPLE_RATE
  }

  /** Frame number `index` (0, 1, 2, ...) of the tone, watermarked with its index. */
  frame(index: number): Buffer {
    const pcm = Buffer.allocUnsafe(FRAME_BYTES)
    const first = index * FRAME_SAMPLES
    const peak = this.amplitude * 32_767
    for (let sample = 0; sample < FRAME_SAMPLES; sample++) {
      pcm.writeInt16LE(Math.round(peak * Math.sin(this.#step * (first + sample))), sample * 2)
    }

    writeMarker(pcm, index)
    return pcm
  }
}

export function writeMarker(pcm: Buffer, index: number): void {
  const bits = [...bitsOf(MARKER_MAGIC, MAGIC_BITS), ...bitsOf(index >>> 0, INDEX_BITS)]
  bits.forEach((bit, sample) => {
    const value = pcm.readInt16LE(sample * 2)
    pcm.writeInt16LE((value & ~1) | bit, sample * 2)
  })
}

/** The frame index watermarked in `pcm`, or undefined if it carries no marker (silence, concealment, other audio). */
export function readMarker(pcm: Buffer): number | undefined {
  if (pcm.length < MARKER_SAMPLES * 2) return undefined
  let magic = 0
  for (let sample = 0; sample < MAGIC_BITS; sample++) magic = (magic << 1) | (pcm.readInt16LE(sample * 2) & 1)
  if (magic !== MARKER_MAGIC) return undefined
  let index = 0
  for (let sample = MAGIC_BITS; sample < MARKER_SAMPLES; sample++) index = index * 2 + (pcm.readInt16LE(sample * 2) & 1)
  return index
}

function bitsOf(value: number, count: number): number[] {
  return Array.from({length: count}, (_, bit) => Math.floor(value / 2 ** (count - 1 - bit)) % 2)
}

export interface ContinuityReport {
  /** Frames that carried a marker. */
  marked: number
  /** Frames without one (silence, concealment). */
  unmarked: number
  /** Markers missing between consecutive marked frames (frames lost or skipped). */
  missing: number
  /** Marked frames whose index did not move forward (repeats or going backwards). */
  backwards: number
  firstIndex: number | undefined
  lastIndex: number | undefined
}

/** Reads the watermark of every frame a sink is given and counts what breaks continuity. */
export class ContinuityChecker {
  readonly #report: ContinuityReport = {marked: 0, unmarked: 0, missing: 0, backwards: 0, firstIndex: undefined, lastIndex: undefined}

  check(pcm: Buffer): number | undefined {
    const index = readMarker(pcm)
    const report = this.#report
    if (index === undefined) {
      report.unmarked++
      return undefined
    }

    report.marked++
    if (report.lastIndex === undefined) report.firstIndex = index
    else if (index <= report.lastIndex) report.backwards++
    else report.missing += index - report.lastIndex - 1
    report.lastIndex = index
    return index
  }

  get report(): ContinuityReport {
    return {...this.#report}
  }
}
