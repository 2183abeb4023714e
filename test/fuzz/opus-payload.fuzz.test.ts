import {describe, it} from 'vitest'

import {FRAME_BYTES} from '../../src/media/audio/format.js'
import {ToneGenerator} from '../../src/media/audio/tone.js'
import {MAX_OPUS_PACKET_BYTES, OpusCodec} from '../../src/plugins/audio/opus-codec.js'
import {probeNodeAv} from '../../src/plugins/native.js'
import {check, FUZZ_TIMEOUT_MS, fuzzCodec} from './mutate.js'

/**
 * An Opus stream's payloads (docs/protocol.md, "Audio payload"): whatever arrives, the receiver either ignores it
 * (`fits` says no: empty, or over RFC 6716's 1,275 bytes) or decodes it to exactly one 20 ms frame or an Error, which
 * it conceals and counts. FFmpeg's libopus decoder is native code: a crash here kills the test process.
 */
describe.skipIf(!probeNodeAv().ok)('opus payload', () => {
  it('mutated Opus packets are refused, decode to one frame, or throw an Error; the decoder goes on decoding', () => {
    const codec = new OpusCodec()
    const tone = new ToneGenerator(440)
    // Speech-like packets, then DTX's one-byte ones: the seeds cover both.
    const seeds = [...Array.from({length: 8}, (_, index) => codec.encode(tone.frame(index))), ...Array.from({length: 60}, () => codec.encode(Buffer.alloc(FRAME_BYTES))).slice(-4)]
    fuzzCodec({seeds}, MAX_OPUS_PACKET_BYTES * 4 + FRAME_BYTES, ({input}) => {
      if (!codec.fits(input.length)) return
      let pcm: Buffer | undefined
      try {
        pcm = codec.decode(input)
      } catch (error) {
        check(error instanceof Error, () => `threw ${String(error)}`)
      }

      check(pcm === undefined || pcm.length === FRAME_BYTES, () => `decoded to ${pcm?.length} bytes`)
    })
    check(codec.decode(seeds[0]).length === FRAME_BYTES, () => 'the decoder stopped decoding')
  }, FUZZ_TIMEOUT_MS)
})
