import {describe, it} from 'vitest'

import {H264_MAX_SIDE, H264Codec} from '../../src/plugins/video/h264-codec.js'
import {loadNodeAv, probeNodeAvH264} from '../../src/plugins/native.js'
import {SyntheticSource} from '../../src/plugins/video/synthetic-source.js'
import {check, FUZZ_TIMEOUT_MS, fuzzCodec} from './mutate.js'

/**
 * An H.264 stream's payloads (docs/protocol.md, "H.264 payload"): whatever arrives, the receiver's decoder gives a
 * BGR picture of the size it says, within H264_MAX_SIDE a side, or throws an Error, which the receiver counts and
 * answers with a keyframe request; no JavaScript buffer it allocates is over that bound's BGR picture. FFmpeg's own
 * allocations are native and not watched here: the decoder's `max_pixels` bounds the picture it allocates, which
 * test/plugins/h264-codec.test.ts checks with a picture over it. FFmpeg's decoder is native code: a crash here kills
 * the test process.
 */
describe.skipIf(!probeNodeAvH264().ok)('h264 payload', () => {
  it('mutated H.264 packets decode to a bounded picture or throw an Error; the decoder goes on decoding', async () => {
    const av = loadNodeAv()
    // Garbage makes FFmpeg's decoder log each error it meets; the receiver keeps that, the fuzz run needs it quiet.
    av.Log.setLevel(av.AV_LOG_QUIET)
    const sender = new H264Codec(30)
    const source = new SyntheticSource(128, 48)
    const seeds: Buffer[] = []
    for (let index = 0; index < 6; index++) {
      if (index === 4) sender.forceKeyframe()
      seeds.push(await sender.encode((await source.read())!))
    }

    const codec = new H264Codec(30)
    fuzzCodec({seeds}, H264_MAX_SIDE * H264_MAX_SIDE * 3, ({input}) => {
      try {
        const picture = codec.decodeSync(input)
        check(picture.width <= H264_MAX_SIDE && picture.height <= H264_MAX_SIDE && picture.data.length === picture.width * picture.height * 3, () => `a ${picture.width}x${picture.height} picture of ${picture.data.length} bytes`)
      } catch (error) {
        check(error instanceof Error, () => `threw ${String(error)}`)
      }
    })
    av.Log.setLevel(av.AV_LOG_ERROR)
    check(codec.decodeSync(seeds[4]).width === 128, () => 'the decoder stopped decoding')
  }, FUZZ_TIMEOUT_MS)
})
