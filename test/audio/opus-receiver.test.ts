import {describe, expect, it} from 'vitest'

import {FRAME_BYTES} from '../../src/media/audio/format.js'
import {AudioReceiverPipeline} from '../../src/media/audio/receiver.js'
import {ToneGenerator} from '../../src/media/audio/tone.js'
import {OpusCodec} from '../../src/plugins/audio/opus-codec.js'
import {probeNodeAv} from '../../src/plugins/native.js'
import {FakeClock} from '../support/fake-clock.js'
import {recordingLogger} from '../support/logger.js'
import {goertzelPower} from './pcm-analysis.js'

/**
 * The receiving pipeline with the real Opus codec, driven by a fake clock: frames arrive every 20 ms (two of them
 * swapped, one never), and the sink gets every frame decoded in sequence order and the missing one concealed by the
 * decoder: the tone carries on through the gap (the jitter buffer's own concealment only knows PCM: it would play silence).
 */
describe.skipIf(!probeNodeAv().ok)('the audio receiver with the opus codec', () => {
  it('plays frames that arrived out of order, and conceals a lost one with the decoder: the tone carries on', async () => {
    const sender = new OpusCodec()
    const tone = new ToneGenerator(1000)
    const packets = Array.from({length: 40}, (_, index) => sender.encode(tone.frame(index)))
    const played: Buffer[] = []
    const clock = new FakeClock(1000)
    const pipeline = new AudioReceiverPipeline({write: (pcm) => played.push(pcm), close: async () => ({})}, recordingLogger(), {}, clock, new OpusCodec())
    const stop = new AbortController()
    const running = pipeline.run(stop.signal)
    const LOST = 15
    // Arrival order: 0 1 2 4 3 5 … (14 never comes) …; each at its capture time plus 5 ms.
    const order = packets.map((_, index) => (index === 3 ? 4 : index === 4 ? 3 : index)).filter((index) => index !== LOST)
    const startUs = clock.monotonicUs()
    for (const [slot, seq] of order.entries()) {
      const captureUs = startUs + seq * 20_000
      pipeline.onFrame({seq, captureUs, senderDelayUs: 0, key: false, payload: packets[seq], receivedUs: startUs + slot * 20_000 + 5000, laneIndex: slot % 10})
      clock.advance(20)
      await new Promise((resolve) => setImmediate(resolve))
    }

    for (let tick = 0; tick < 20; tick++) {
      clock.advance(20)
      await new Promise((resolve) => setImmediate(resolve))
    }

    stop.abort()
    await running
    const stats = pipeline.stats()
    expect(stats).toMatchObject({malformed: 0, lost: 1})
    expect(stats.concealed).toBeGreaterThanOrEqual(1)
    for (const pcm of played) expect(pcm.length).toBe(FRAME_BYTES)
    // Every frame played after the first few is the tone, the concealed one included (none is silence or noise);
    // the ticks after the last frame are underruns, whose concealment fades out.
    const streamed = played.slice(3, played.length - stats.underruns)
    expect(streamed.length).toBeGreaterThan(30)
    for (const pcm of streamed) expect(goertzelPower(pcm, 1000)).toBeGreaterThan(10 * goertzelPower(pcm, 700))
  })
})
