import {BYTES_PER_SAMPLE, FRAME_BYTES, SILENT_FRAME} from './format.js'

/** How many missing frames in a row are filled from the last good one before it goes quiet. */
export const CONCEAL_REPEATS = 2

/**
 * The frame to play in place of the `run`-th missing frame in a row (1-based): the last good frame repeated with a
 * fade (1 → ½, then ½ → 0) so a short loss is a soft dip rather than a click, then silence.
 */
export function concealFrame(lastGood: Buffer | undefined, run: number): Buffer {
  if (!lastGood || run > CONCEAL_REPEATS || lastGood.length !== FRAME_BYTES) return SILENT_FRAME
  const from = 1 - (run - 1) / CONCEAL_REPEATS
  const to = 1 - run / CONCEAL_REPEATS
  const samples = FRAME_BYTES / BYTES_PER_SAMPLE
  const out = Buffer.allocUnsafe(FRAME_BYTES)
  for (let index = 0; index < samples; index++) {
    const gain = from + ((to - from) * index) / samples
    out.writeInt16LE(Math.round(lastGood.readInt16LE(index * 2) * gain), index * 2)
  }

  return out
}
