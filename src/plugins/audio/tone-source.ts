import {type Clock, realClock} from '../../foundation/clock.js'
import {IvcError} from '../../foundation/errors.js'
import {ticks} from '../../media/audio/clock.js'
import {type AudioFrame, FRAME_MS} from '../../media/audio/format.js'
import {ToneGenerator} from '../../media/audio/tone.js'
import type {AudioSource} from '../../media/audio/types.js'

/**
 * The `tone` source: a watermarked sine (media/audio/tone.ts) paced by the monotonic clock on an absolute schedule,
 * so frame k is captured at start + k × 20 ms however late the timers fire (no drift over a minute or an hour).
 * Capture times are on the transport's clock, so on one host the receiver measures true mouth-to-ear delay.
 */
export function createToneSource(frequency = 440, clock: Clock = realClock): AudioSource {
  if (!Number.isFinite(frequency) || frequency <= 0 || frequency >= 24_000) {
    throw new IvcError('BAD_USAGE', `--frequency must be above 0 and below 24000 Hz, not ${frequency}`)
  }

  const tone = new ToneGenerator(frequency)
  return {
    async *frames(signal: AbortSignal): AsyncGenerator<AudioFrame> {
      for await (const {index, atMs} of ticks(FRAME_MS, signal, clock)) {
        yield {pcm: tone.frame(index), captureUs: Math.round(atMs * 1000)}
      }
    },
    async close() {},
  }
}
