import {execFileSync} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {FRAME_REUSE_AFTER} from '../../../src/media/types.js'
import {readSeq, STAMP_MODULO, stampSeq} from '../../../src/media/video/frame-stamp.js'
import {parseVideoTarget} from '../../../src/media/video/stream.js'
import {JpegCodec} from '../../../src/plugins/video/jpeg-codec.js'
import {NullSink} from '../../../src/plugins/video/null-sink.js'
import {OpenCVSource} from '../../../src/plugins/video/opencv-source.js'
import {decodeRaw, RawCodec} from '../../../src/plugins/video/raw-codec.js'
import {SyntheticSource} from '../../../src/plugins/video/synthetic-source.js'

describe('frame stamp', () => {
  it('round-trips through raw pixels, in BGR and gray, across the 24-bit wrap', async () => {
    for (const format of ['bgr', 'gray'] as const) {
      const frame = await new SyntheticSource(320, 240, format).read()
      for (const seq of [0, 1, 12_345, STAMP_MODULO - 1, STAMP_MODULO + 7]) {
        stampSeq(frame, seq)
        expect(readSeq(frame)).toBe(seq % STAMP_MODULO)
      }
    }
  })

  it('finds no stamp in a picture without one', () => {
    expect(readSeq({width: 320, height: 240, format: 'gray', data: Buffer.alloc(320 * 240, 0)})).toBeUndefined()
    expect(readSeq({width: 320, height: 240, format: 'gray', data: Buffer.alloc(320 * 240, 128)})).toBeUndefined()
  })

  it('survives JPEG at low quality', async () => {
    const source = new SyntheticSource(640, 480)
    const codec = new JpegCodec(30)
    for (let i = 0; i < 5; i++) {
      const decoded = await codec.decode(await codec.encode(await source.read()))
      expect(decoded).toMatchObject({width: 640, height: 480, format: 'bgr'})
      expect(decoded.data.length).toBe(640 * 480 * 3)
      expect(readSeq(decoded)).toBe(i)
    }
  })

  it('decodes JPEG pictures of another size or in gray after one another (the codec reuses its output buffer)', async () => {
    const codec = new JpegCodec(80)
    const gray = await new SyntheticSource(320, 240, 'gray').read()
    const big = await new SyntheticSource(640, 480).read()
    for (const frame of [big, gray, big]) {
      const decoded = await codec.decode(await codec.encode(frame))
      expect({width: decoded.width, height: decoded.height, format: decoded.format, bytes: decoded.data.length}).toEqual({width: frame.width, height: frame.height, format: frame.format, bytes: frame.data.length})
      expect(readSeq(decoded)).toBe(0)
    }
  })
})

describe('synthetic source', () => {
  it('moves: consecutive frames differ below the stamp, and are numbered', async () => {
    const source = new SyntheticSource(160, 120)
    const a = await source.read()
    const b = await source.read()
    expect(a.data.length).toBe(160 * 120 * 3)
    expect(a.data.subarray(160 * 3 * 20).equals(b.data.subarray(160 * 3 * 20))).toBe(false)
    expect([readSeq(a), readSeq(b)]).toEqual([0, 1])
  })

  it('leaves a frame as it was read for FRAME_REUSE_AFTER more reads', async () => {
    const source = new SyntheticSource(160, 120)
    const first = await source.read()
    const copy = Buffer.from(first.data)
    for (let i = 0; i < FRAME_REUSE_AFTER; i++) await source.read()
    expect(first.data.equals(copy)).toBe(true)
    expect(readSeq(first)).toBe(0)
  })
})

describe('OpenCV file source', () => {
  it('reads a video at the asked size, leaves each frame as read for FRAME_REUSE_AFTER more reads, and ends', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ivc-source-')), 'clip.avi')
    // testsrc's frames differ from one another (a counter and a moving gradient), so a frame written over would show.
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10', '-frames:v', '6', '-c:v', 'mjpeg', path])
    const source = new OpenCVSource('file', path, {width: 32, height: 24})
    const first = (await source.read())!
    const copy = Buffer.from(first.data)
    const later = []
    for (let frame = await source.read(); frame; frame = await source.read()) {
      later.push(frame)
      if (later.length === FRAME_REUSE_AFTER) expect(first.data.equals(copy)).toBe(true)
    }

    expect(later.length).toBe(5)
    expect([first, ...later].map((frame) => [frame.width, frame.height, frame.format, frame.data.length])).toEqual(Array.from({length: 6}, () => [32, 24, 'bgr', 32 * 24 * 3]))
    expect(later[0].data.equals(copy)).toBe(false)
    await source.close()
  })
})

describe('raw codec', () => {
  it('round-trips and refuses frames whose size does not add up', async () => {
    const codec = new RawCodec()
    const frame = await new SyntheticSource(160, 120, 'gray').read()
    const payload = await codec.encode(frame)
    expect([...payload.subarray(0, 8)]).toEqual([0, 160, 0, 120, 1, 0, 0, 0]) // width, height, channels, reserved
    expect(await codec.decode(payload)).toEqual(frame)
    expect(() => decodeRaw(payload.subarray(0, payload.length - 1))).toThrow('raw 160x120x1 frame of 19207 bytes (expected 19208)')
    expect(() => decodeRaw(Buffer.from([0, 1]))).toThrow('no header')
    const twoChannels = Buffer.from(payload)
    twoChannels[4] = 2
    expect(() => decodeRaw(twoChannels)).toThrow('2 channels')
  })
})

describe('null sink', () => {
  it('counts stamps that go backwards, stamps repeated, and pictures with no stamp', async () => {
    const source = new SyntheticSource(160, 120)
    const frames = [await source.read(), await source.read(), await source.read()]
    const sink = new NullSink()
    for (const index of [0, 2, 1, 1]) await sink.render({seq: index, captureUs: 0, picture: frames[index]})
    await sink.render({seq: 9, captureUs: 0, picture: {width: 16, height: 16, format: 'gray', data: Buffer.alloc(256)}})
    expect(sink.report).toEqual({dropped: 0, outOfOrder: 1, repeated: 1, unreadable: 1, verified: 4})
  })
})

describe('stream helpers', () => {
  it('parses HOST[:PORT] targets', () => {
    expect(parseVideoTarget('10.0.0.5')).toEqual({host: '10.0.0.5', port: 12_345})
    expect(parseVideoTarget('peer.local:999')).toEqual({host: 'peer.local', port: 999})
    expect(parseVideoTarget('[::1]:80')).toEqual({host: '::1', port: 80})
    expect(parseVideoTarget('a:b:c')).toBeUndefined()
    expect(parseVideoTarget('host:0')).toBeUndefined()
    expect(parseVideoTarget('host:70000')).toBeUndefined()
  })
})
