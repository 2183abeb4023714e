import {describe, expect, it} from 'vitest'

import type {SinkFrame, VideoCodec, VideoFrame, VideoSink} from '../../../src/media/types.js'
import {type CodecFactory, VideoDecodeStage} from '../../../src/media/video/decode-stage.js'
import type {VideoFormat} from '../../../src/media/video/formats.js'
import {RawCodec} from '../../../src/plugins/video/raw-codec.js'
import {SyntheticSource} from '../../../src/plugins/video/synthetic-source.js'

/** The registry's part the stage uses: real raw codec, and a stand-in JPEG codec that says which payload it saw. */
function codecs(): CodecFactory & {created: string[]} {
  const created: string[] = []
  const stand = (name: string): VideoCodec => ({
    name,
    encode: async () => Buffer.alloc(0),
    decode: async (payload) => ({width: payload.length, height: 1, format: 'gray', data: payload}),
  })
  return {
    created,
    async create(_kind, name) {
      created.push(name)
      return name === 'raw' ? new RawCodec() : stand(name)
    },
  }
}

const sink = (passes?: VideoFormat[]): VideoSink => ({name: 'test', passes, failed: new Promise(() => {}), report: {dropped: 0}, render: async () => 'rendered', close: async () => {}})

describe('the receiver\'s decode stage', () => {
  it('decodes with the codec the stream\'s format names, whatever the payload\'s first bytes', async () => {
    const frame = await new SyntheticSource(64, 48).read()
    const payload = await new RawCodec().encode(frame)
    const factory = codecs()
    const raw = new VideoDecodeStage({format: 'raw', sink: sink(), codecs: factory})
    const decoded: SinkFrame = await raw.decode({seq: 7, captureUs: 70, payload})
    expect(decoded).toEqual({seq: 7, captureUs: 70, picture: frame})
    // A payload that starts like a JPEG is still decoded as the format says (no sniffing).
    const jpegLooking = Buffer.from([0xff, 0xd8, 1, 2])
    await expect(raw.decode({seq: 8, captureUs: 80, payload: jpegLooking})).rejects.toThrow('raw frame of 4 bytes has no header')
    const mjpeg = new VideoDecodeStage({format: 'mjpeg', sink: sink(), codecs: factory})
    const picture: VideoFrame | undefined = (await mjpeg.decode({seq: 9, captureUs: 90, payload: jpegLooking})).picture
    expect(picture?.width).toBe(4)
    expect(factory.created).toEqual(['raw', 'jpeg'])
  })

  it('passes a format the sink takes as it is, and never creates its codec', async () => {
    const factory = codecs()
    const stage = new VideoDecodeStage({format: 'mjpeg', sink: sink(['mjpeg']), codecs: factory})
    stage.prepare()
    const payload = Buffer.from([0xff, 0xd8, 0xff])
    expect(await stage.decode({seq: 1, captureUs: 2, payload})).toEqual({seq: 1, captureUs: 2, encoded: {format: 'mjpeg', payload}})
    expect(factory.created).toEqual([])
  })

  it('waits for a format that comes later (a call\'s start line), and prepares the one it was told to expect', async () => {
    const factory = codecs()
    let agree!: (format: VideoFormat) => void
    const stage = new VideoDecodeStage({format: new Promise((resolve) => (agree = resolve)), sink: sink(), codecs: factory})
    stage.prepare('mjpeg')
    const frame = await new SyntheticSource(64, 48).read()
    const decoded = stage.decode({seq: 1, captureUs: 1, payload: await new RawCodec().encode(frame)})
    agree('raw')
    expect((await decoded).picture).toEqual(frame)
    // Created once each: the warmed one, then the agreed one.
    expect(factory.created).toEqual(['jpeg', 'raw'])
  })
})
