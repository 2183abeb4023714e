import {describe, it} from 'vitest'

import {type AvVideoCodec, VIDEO_MAX_SIDE} from '../../src/plugins/video/av-video-codec.js'
import {H264Codec} from '../../src/plugins/video/h264-codec.js'
import {loadNodeAv, probeNodeAvH264, probeNodeAvVp8} from '../../src/plugins/native.js'
import {SyntheticSource} from '../../src/plugins/video/synthetic-source.js'
import {Vp8Codec} from '../../src/plugins/video/vp8-codec.js'
import {check, FUZZ_TIMEOUT_MS, fuzzCodec} from './mutate.js'

const CODECS = [
  {name: 'h264', ok: probeNodeAvH264().ok, make: (): AvVideoCodec => new H264Codec(30)},
  {name: 'vp8', ok: probeNodeAvVp8().ok, make: (): AvVideoCodec => new Vp8Codec(30)},
]

/**
 * An H.264 or VP8 stream's payloads (docs/protocol.md, "H.264 payload", "VP8 payload"): whatever arrives, the
 * receiver's decoder gives a BGR picture of the size it says, within VIDEO_MAX_SIDE a side, or throws an Error, which
 * the receiver counts and answers with a keyframe request; no JavaScript buffer it allocates is over that bound's BGR
 * picture. FFmpeg's own allocations are native and not watched here: the decoder's `max_pixels` bounds the picture it
 * allocates, which test/plugins/av-video-codec.test.ts checks with a picture over it. FFmpeg's decoders are native
 * code: a crash here kills the test process.
 */
describe.each(CODECS)('$name payload', ({ok, make}) => {
  it.skipIf(!ok)('mutated packets decode to a bounded picture or throw an Error; the decoder goes on decoding', async () => {
    const av = loadNodeAv()
    // Garbage makes FFmpeg's decoder log each error it meets; the receiver keeps that, the fuzz run needs it quiet.
    av.Log.setLevel(av.AV_LOG_QUIET)
    const sender = make()
    const source = new SyntheticSource(128, 48)
    const seeds: Buffer[] = []
    for (let index = 0; index < 6; index++) {
      if (index === 4) sender.forceKeyframe()
      seeds.push(await sender.encode((await source.read())!))
    }

    const codec = make()
    fuzzCodec({seeds}, VIDEO_MAX_SIDE * VIDEO_MAX_SIDE * 3, ({input}) => {
      try {
        const picture = codec.decodeSync(input)
        check(picture.width <= VIDEO_MAX_SIDE && picture.height <= VIDEO_MAX_SIDE && picture.data.length === picture.width * picture.height * 3, () => `a ${picture.width}x${picture.height} picture of ${picture.data.length} bytes`)
      } catch (error) {
        check(error instanceof Error, () => `threw ${String(error)}`)
      }
    })
    av.Log.setLevel(av.AV_LOG_ERROR)
    // Garbage may leave the decoder holding a picture of its own (a mutated parameter set can ask for reordering delay):
    // the keyframe, sent again as a receiver's keyframe request brings it again, must give the stream's picture back.
    const widths: number[] = []
    for (let attempt = 0; attempt < 3 && widths.at(-1) !== 128; attempt++) widths.push(codec.decodeSync(seeds[4]).width)
    check(widths.at(-1) === 128, () => `the decoder stopped decoding: the keyframe gave pictures ${widths.join(', ')} wide`)
  }, FUZZ_TIMEOUT_MS)
})
