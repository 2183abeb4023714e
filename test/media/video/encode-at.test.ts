import {describe, expect, it} from 'vitest'

import {scaledSize} from '../../../src/adapt/index.js'
import {encodeAt, scaleFrame} from '../../../src/media/video/encode-at.js'
import {readSeq} from '../../../src/media/video/frame-stamp.js'
import {JpegCodec} from '../../../src/plugins/video/jpeg-codec.js'
import {decodeRaw, RawCodec} from '../../../src/plugins/video/raw-codec.js'
import {SyntheticSource} from '../../../src/plugins/video/synthetic-source.js'

describe('encoding at an adapted size and quality', () => {
  it('scales a frame to every rung\'s size and keeps its stamp readable', async () => {
    const source = new SyntheticSource(640, 480)
    await source.read()
    const frame = await source.read()
    for (const scale of [1, 0.75, 0.5, 0.375, 0.25]) {
      const size = scaledSize(640, 480, scale)
      const scaled = scaleFrame(frame, size.width, size.height)
      expect({width: scaled.width, height: scaled.height, bytes: scaled.data.length}).toEqual({...size, bytes: size.width * size.height * 3})
      expect(readSeq(scaled), `scale ${scale}`).toBe(1)
    }
  })

  it('the raw codec gets the frame scaled in JavaScript; JPEG resizes itself and takes the quality', async () => {
    const frame = await new SyntheticSource(640, 480).read()
    const raw = decodeRaw(await encodeAt(new RawCodec(), frame, {width: 320, height: 240, quality: 50}))
    expect([raw.width, raw.height, readSeq(raw)]).toEqual([320, 240, 0])
    const jpeg = new JpegCodec(80)
    const small = await encodeAt(jpeg, frame, {width: 320, height: 240, quality: 80})
    const decoded = await jpeg.decode(small)
    expect([decoded.width, decoded.height, readSeq(decoded)]).toEqual([320, 240, 0])
    const lower = await encodeAt(jpeg, frame, {width: 320, height: 240, quality: 30})
    expect(lower.length).toBeLessThan(small.length)
    expect((await encodeAt(jpeg, frame, {width: 640, height: 480, quality: 80})).length).toBeGreaterThan(small.length)
  })
})
