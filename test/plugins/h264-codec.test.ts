import {describe, expect, it} from 'vitest'

import {readSeq} from '../../src/media/video/frame-stamp.js'
import {H264Codec} from '../../src/plugins/video/h264-codec.js'
import {probeNodeAvH264} from '../../src/plugins/native.js'
import {SyntheticSource} from '../../src/plugins/video/synthetic-source.js'

// H.264 needs the optional node-av with libx264 in its FFmpeg; without either these say so by being skipped.
const h264 = probeNodeAvH264().ok

async function packets(codec: H264Codec, count: number, options: {forceAt?: number[]; width?: number; height?: number} = {}): Promise<Array<{payload: Buffer; key: boolean}>> {
  const source = new SyntheticSource(options.width ?? 320, options.height ?? 240)
  const out = []
  for (let index = 0; index < count; index++) {
    if (options.forceAt?.includes(index)) codec.forceKeyframe()
    const payload = await codec.encode((await source.read())!)
    out.push({payload, key: codec.lastWasKey})
  }

  return out
}

describe.skipIf(!h264)('the h264 codec (node-av)', () => {
  it('round-trips stamped frames: one packet each, the first a keyframe, every one decoded in order with its stamp', async () => {
    const sender = new H264Codec(30)
    const receiver = new H264Codec(30)
    const sent = await packets(sender, 60)
    expect(sent[0].key).toBe(true)
    expect(sent.slice(1).filter((packet) => packet.key)).toEqual([])
    const stamps = []
    for (const {payload} of sent) {
      const picture = await receiver.decode(payload)
      expect([picture.width, picture.height, picture.format]).toEqual([320, 240, 'bgr'])
      stamps.push(readSeq(picture))
    }

    expect(stamps).toEqual(Array.from({length: 60}, (_, index) => index))
  })

  it('makes the frame after forceKeyframe an IDR a fresh decoder starts from', async () => {
    const sender = new H264Codec(30)
    const sent = await packets(sender, 30, {forceAt: [20]})
    expect(sent.map((packet, index) => (packet.key ? index : -1)).filter((index) => index >= 0)).toEqual([0, 20])
    const late = new H264Codec(30)
    const stamps = []
    for (const {payload} of sent.slice(20)) stamps.push(readSeq(await late.decode(payload)))
    expect(stamps).toEqual(Array.from({length: 10}, (_, index) => 20 + index))
  })

  it('makes a keyframe on its own at least every 4 seconds of frames', async () => {
    const sent = await packets(new H264Codec(10), 45)
    expect(sent.map((packet, index) => (packet.key ? index : -1)).filter((index) => index >= 0)).toEqual([0, 40])
  })

  it('follows a new bitrate between frames', async () => {
    const codec = new H264Codec(30, 2000)
    const bytes = (list: Array<{payload: Buffer}>) => list.reduce((sum, packet) => sum + packet.payload.length, 0)
    const high = bytes((await packets(codec, 60)).slice(30))
    codec.setBitrate(150)
    const low = bytes((await packets(codec, 60)).slice(30))
    expect(low).toBeLessThan(high / 2)
  })

  it('refuses what gives no picture', async () => {
    const codec = new H264Codec(30)
    await expect(codec.decode(Buffer.alloc(0))).rejects.toThrow('an empty H.264 packet')
    await expect(codec.decode(Buffer.from('not h264 at all'))).rejects.toThrow()
  })
})
