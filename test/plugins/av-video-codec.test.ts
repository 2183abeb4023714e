import {randomBytes} from 'node:crypto'

import {describe, expect, it} from 'vitest'

import {readSeq} from '../../src/media/video/frame-stamp.js'
import {type AvVideoCodec, VIDEO_MAX_SIDE} from '../../src/plugins/video/av-video-codec.js'
import {H264Codec} from '../../src/plugins/video/h264-codec.js'
import {loadNodeAv, probeNodeAvH264, probeNodeAvVp8} from '../../src/plugins/native.js'
import {SyntheticSource} from '../../src/plugins/video/synthetic-source.js'
import {Vp8Codec} from '../../src/plugins/video/vp8-codec.js'

// H.264 and VP8 need the optional node-av with libx264 or libvpx in its FFmpeg; without them these say so by being skipped.
const h264 = probeNodeAvH264().ok
const CODECS = [
  {name: 'h264', label: 'H.264', ok: h264, make: (fps: number, kbps?: number) => new H264Codec(fps, kbps)},
  {name: 'vp8', label: 'VP8', ok: probeNodeAvVp8().ok, make: (fps: number, kbps?: number) => new Vp8Codec(fps, kbps)},
]

/**
 * `grain`: mid-gray pictures with faint random grain instead of the synthetic pattern. The pattern costs a good
 * encoder (libx264 veryfast: ~270 kbit/s at 640x480) less than a high target, so it cannot tell two targets apart;
 * grain costs whatever the target allows: fine quantisers keep it (megabits), coarse ones flatten it to nothing.
 */
async function packets(codec: AvVideoCodec, count: number, options: {forceAt?: number[]; width?: number; height?: number; grain?: boolean} = {}): Promise<Array<{payload: Buffer; key: boolean}>> {
  const width = options.width ?? 320
  const height = options.height ?? 240
  const source = new SyntheticSource(width, height)
  const out = []
  for (let index = 0; index < count; index++) {
    if (options.forceAt?.includes(index)) codec.forceKeyframe()
    const frame = options.grain ? {width, height, format: 'bgr' as const, data: grain(width * height * 3)} : (await source.read())!
    const payload = await codec.encode(frame)
    out.push({payload, key: codec.lastWasKey})
  }

  return out
}

function grain(bytes: number): Buffer {
  const data = randomBytes(bytes)
  for (let index = 0; index < bytes; index++) data[index] = 120 + (data[index] & 15)
  return data
}

const keyIndexes = (sent: Array<{key: boolean}>) => sent.map((packet, index) => (packet.key ? index : -1)).filter((index) => index >= 0)

/**
 * One keyframe as another encoder could send it: libx264 at a size and chroma format ivc's sender never uses. Its
 * planes are a fixed pattern.
 */
function foreignKeyframe(width: number, height: number, chroma: '420' | '444'): Buffer {
  const av = loadNodeAv()
  const pixelFormat = chroma === '444' ? av.AV_PIX_FMT_YUV444P : av.AV_PIX_FMT_YUV420P
  const encoder = av.Codec.findEncoderByName(av.FF_ENCODER_LIBX264)!
  const context = new av.CodecContext()
  context.allocContext3(encoder)
  context.width = width
  context.height = height
  context.pixelFormat = pixelFormat
  context.timeBase = new av.Rational(1, 30)
  context.framerate = new av.Rational(30, 1)
  context.maxBFrames = 0
  for (const [name, value] of Object.entries({preset: 'ultrafast', tune: 'zerolatency'})) expect(context.setOption(name, value)).toBeGreaterThanOrEqual(0)
  expect(context.open2Sync(encoder, null)).toBeGreaterThanOrEqual(0)
  const frame = new av.Frame()
  frame.alloc()
  frame.width = width
  frame.height = height
  frame.format = pixelFormat
  expect(frame.getBuffer(0)).toBeGreaterThanOrEqual(0)
  for (const [index, plane] of frame.data!.entries()) for (let byte = 0; byte < plane.length; byte++) plane[byte] = (byte * (index + 3)) & 0xff
  frame.pts = 0n
  expect(context.sendFrameSync(frame)).toBeGreaterThanOrEqual(0)
  const packet = new av.Packet()
  packet.alloc()
  expect(context.receivePacketSync(packet)).toBeGreaterThanOrEqual(0)
  const payload = Buffer.from(packet.data!)
  packet.unref()
  return payload
}

describe.each(CODECS)('the $name codec (node-av)', ({name, label, ok, make}) => {
  it.skipIf(!ok)('round-trips stamped frames: one packet each, the first a keyframe, every one decoded in order with its stamp', async () => {
    const sender = make(30)
    const receiver = make(30)
    expect(sender.name).toBe(name)
    const sent = await packets(sender, 60)
    expect(keyIndexes(sent)).toEqual([0])
    const stamps = []
    for (const {payload} of sent) {
      const picture = await receiver.decode(payload)
      expect([picture.width, picture.height, picture.format]).toEqual([320, 240, 'bgr'])
      stamps.push(readSeq(picture))
    }

    expect(stamps).toEqual(Array.from({length: 60}, (_, index) => index))
  })

  it.skipIf(!ok)('makes the frame after forceKeyframe a keyframe a fresh decoder starts from', async () => {
    const sent = await packets(make(30), 30, {forceAt: [20]})
    expect(keyIndexes(sent)).toEqual([0, 20])
    const late = make(30)
    const stamps = []
    for (const {payload} of sent.slice(20)) stamps.push(readSeq(await late.decode(payload)))
    expect(stamps).toEqual(Array.from({length: 10}, (_, index) => 20 + index))
  })

  it.skipIf(!ok)('makes a keyframe on its own at least every 4 seconds of frames', async () => {
    expect(keyIndexes(await packets(make(10), 45))).toEqual([0, 40])
  })

  it.skipIf(!ok)('follows a new bitrate between frames', async () => {
    const codec = make(30, 2000)
    const bytes = (list: Array<{payload: Buffer}>) => list.reduce((sum, packet) => sum + packet.payload.length, 0)
    // 640x480 of grain: enough picture that 2000 kbit/s and 150 kbit/s make different streams.
    const high = bytes((await packets(codec, 60, {width: 640, height: 480, grain: true})).slice(30))
    codec.setBitrate(150)
    const low = bytes((await packets(codec, 60, {width: 640, height: 480, grain: true})).slice(30))
    expect(low, `high ${high} bytes, low ${low}`).toBeLessThan(high / 2)
  })

  it.skipIf(!ok)('refuses what gives no picture', async () => {
    const codec = make(30)
    await expect(codec.decode(Buffer.alloc(0))).rejects.toThrow(`an empty ${label} packet`)
    await expect(codec.decode(Buffer.from(`not ${name} at all`))).rejects.toThrow()
  })
})

describe.skipIf(!h264)('the h264 codec (node-av) with pictures of another encoder', () => {
  it('refuses a picture of more than VIDEO_MAX_SIDE² pixels when the packet is sent, before FFmpeg allocates it, and goes on decoding', async () => {
    const side = VIDEO_MAX_SIDE + 16
    const tooLarge = foreignKeyframe(side, side, '420')
    const small = foreignKeyframe(64, 48, '420')
    const codec = new H264Codec(30)
    // Not 'the H.264 picture is 4112x4112': that is the check after decoding, when the picture has been allocated.
    await expect(codec.decode(tooLarge)).rejects.toThrow(/^decode the H\.264 packet: FFmpeg error/)
    expect((await codec.decode(small)).width).toBe(64)
  })

  it('decodes a 4:2:0 keyframe after a 4:4:4 one of the same size as a fresh decoder does', async () => {
    const chroma444 = foreignKeyframe(64, 48, '444')
    const chroma420 = foreignKeyframe(64, 48, '420')
    const fresh = Buffer.from((await new H264Codec(30).decode(chroma420)).data)
    const codec = new H264Codec(30)
    expect((await codec.decode(chroma444)).width).toBe(64)
    const after = await codec.decode(chroma420)
    expect(Buffer.from(after.data).equals(fresh)).toBe(true)
  })
})

describe.skipIf(!probeNodeAvVp8().ok)('the vp8 codec (node-av) with a keyframe of another size', () => {
  it('refuses one declaring more than VIDEO_MAX_SIDE² pixels before FFmpeg allocates it, and goes on decoding', async () => {
    const [{payload: key}] = await packets(new Vp8Codec(30), 1, {width: 64, height: 48})
    // A VP8 key frame: a 3-byte frame tag (bit 0 of the first byte 0: key), the start code 9d 01 2a, then width and
    // height, 14 bits each (little-endian, 2 bits of scale above): here the largest VP8 can declare.
    expect([key[0] & 1, key.readUIntBE(3, 3), key.readUInt16LE(6), key.readUInt16LE(8)]).toEqual([0, 0x9d012a, 64, 48])
    const tooLarge = Buffer.from(key)
    tooLarge.writeUInt16LE(0x3fff, 6)
    tooLarge.writeUInt16LE(0x3fff, 8)
    const codec = new Vp8Codec(30)
    await expect(codec.decode(tooLarge)).rejects.toThrow(/^decode the VP8 packet: FFmpeg error/)
    expect((await codec.decode(key)).width).toBe(64)
  })
})

describe.skipIf(!probeNodeAvVp8().ok)('the vp8 codec (node-av) reopening its encoder for each new bitrate', () => {
  it('starts each reopened encoder with a keyframe, and frees the one before (100 reopens at 640x480 leave RSS far below 100 encoders)', async () => {
    const codec = new Vp8Codec(30, 1000)
    const source = new SyntheticSource(640, 480)
    await codec.encode((await source.read())!)
    const before = process.memoryUsage().rss
    for (let index = 0; index < 100; index++) {
      // A quarter or more each way: every change opens a new encoder.
      codec.setBitrate(index % 2 === 0 ? 400 : 1000)
      await codec.encode((await source.read())!)
      expect(codec.lastWasKey).toBe(true)
    }

    // A libvpx encoder of 640x480 holds ~11 MB: 100 left to the garbage collector were over a gigabyte.
    expect(process.memoryUsage().rss - before).toBeLessThan(300 * 1024 * 1024)
  })
})
