import {SAMPLE_RATE} from '../../src/media/audio/format.js'

/** Test helpers that look at s16le mono PCM: the tone's frequency, and where the sound is. */

/** Frequency from the rate of rising zero crossings (exact enough for a clean sine). */
export function zeroCrossingFrequency(pcm: Buffer, sampleRate = SAMPLE_RATE): number {
  const samples = pcm.length / 2
  let first = -1
  let last = -1
  let crossings = 0
  for (let index = 1; index < samples; index++) {
    if (pcm.readInt16LE((index - 1) * 2) < 0 && pcm.readInt16LE(index * 2) >= 0) {
      if (first === -1) first = index
      last = index
      crossings++
    }
  }

  return crossings < 2 ? 0 : ((crossings - 1) * sampleRate) / (last - first)
}

/** Goertzel power of `frequency` in `pcm`. */
export function goertzelPower(pcm: Buffer, frequency: number, sampleRate = SAMPLE_RATE): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * frequency) / sampleRate)
  let previous = 0
  let beforePrevious = 0
  for (let offset = 0; offset + 1 < pcm.length; offset += 2) {
    const current = pcm.readInt16LE(offset) + coefficient * previous - beforePrevious
    beforePrevious = previous
    previous = current
  }

  return previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious
}

/** Which of `candidates` is strongest in `pcm`. */
export function dominantFrequency(pcm: Buffer, candidates: number[]): number {
  return candidates.reduce((best, candidate) => (goertzelPower(pcm, candidate) > goertzelPower(pcm, best) ? candidate : best))
}

/** Samples from the first to the last one louder than `threshold` (the played tone, without padding silence). */
export function audibleSpan(pcm: Buffer, threshold = 1000): Buffer {
  const samples = pcm.length / 2
  let first = 0
  while (first < samples && Math.abs(pcm.readInt16LE(first * 2)) < threshold) first++
  let last = samples - 1
  while (last > first && Math.abs(pcm.readInt16LE(last * 2)) < threshold) last--
  return pcm.subarray(first * 2, (last + 1) * 2)
}

/**
 * The tone's frequency from the median time between rising zero crossings: a concealed or skipped frame (a phase
 * jump), or an underrun's silence inside the span, spoils a few periods, not the answer. (A median over 100 ms
 * windows of the crossing rate was not enough: on a busy host, underruns put a gap in most windows of a played tone.)
 */
export function medianFrequency(pcm: Buffer, sampleRate = SAMPLE_RATE): number {
  const periods: number[] = []
  let previous = -1
  for (let index = 1; index < pcm.length / 2; index++) {
    if (pcm.readInt16LE((index - 1) * 2) >= 0 || pcm.readInt16LE(index * 2) < 0) continue
    if (previous !== -1) periods.push(index - previous)
    previous = index
  }

  periods.sort((a, b) => a - b)
  return periods.length === 0 ? 0 : sampleRate / periods[Math.floor(periods.length / 2)]
}
