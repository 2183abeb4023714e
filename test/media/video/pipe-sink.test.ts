import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {encodeAt, scaleFrame} from '../../../src/media/video/encode-at.js'
import {JpegCodec} from '../../../src/plugins/video/jpeg-codec.js'
import {jpegSize} from '../../../src/media/video/jpeg-size.js'
import {PipeSink} from '../../../src/plugins/video/pipe-sink.js'
import {SyntheticSource} from '../../../src/plugins/video/synthetic-source.js'
import {recordingLogger} from '../../support/logger.js'

describe('the size a player window takes: jpegSize', () => {
  it('reads a real JPEG\'s size from its frame header, and nothing from any prefix cut before it', async () => {
    const frame = await new SyntheticSource(640, 480).read()
    const jpeg = await encodeAt(new JpegCodec(80), frame, {width: 480, height: 360, quality: 80})
    expect(jpegSize(jpeg)).toEqual({width: 480, height: 360})
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]))
    expect(sof).toBeGreaterThan(2)
    for (let cut = 0; cut < sof + 9; cut++) expect(jpegSize(jpeg.subarray(0, cut)), `cut at ${cut}`).toBeUndefined()
  })

  it('golden bytes: SOI, an APP0 segment skipped by its length, then SOF2 (progressive)', () => {
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0xaa, 0xbb, 0xff, 0xc2, 0x00, 0x11, 0x08, 0x00, 0xf0, 0x01, 0x40])
    expect(jpegSize(bytes)).toEqual({width: 320, height: 240})
  })

  it('refuses what is not a JPEG, or a scan with no frame header before it', () => {
    expect(jpegSize(Buffer.from('not a jpeg at all'))).toBeUndefined()
    expect(jpegSize(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02]))).toBeUndefined()
    expect(jpegSize(Buffer.from([0xff, 0xd8, 0x00, 0xc0, 0x00, 0x11, 0x08, 0x00, 0xf0, 0x01, 0x40]))).toBeUndefined()
    // A DHT segment (C4) sits in the SOF range and is skipped, not read as a size.
    expect(jpegSize(Buffer.from([0xff, 0xd8, 0xff, 0xc4, 0x00, 0x02, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x10, 0x00, 0x20]))).toEqual({width: 32, height: 16})
  })
})

describe('PipeSink with decoded pictures (raw video)', () => {
  it('sends pixels without their header, every frame at the first one\'s size (adaptation shrinks later ones)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ivc-pipe-')), 'frames.bgr')
    let started: string[] = []
    const sink = new PipeSink('capture', 'sh', (input) => ((started = input.args), ['-c', `cat > ${out}`]), recordingLogger())
    const source = new SyntheticSource(64, 48)
    const full = await source.read()
    const small = scaleFrame(await source.read(), 32, 24)
    expect(await sink.render({seq: 0, captureUs: 0, picture: full})).toBe('rendered')
    expect(await sink.render({seq: 1, captureUs: 1, picture: small})).toBe('rendered')
    await sink.close()
    expect(started).toEqual(['-f', 'rawvideo', '-pixel_format', 'bgr24', '-video_size', '64x48'])
    const written = readFileSync(out)
    expect(written.length).toBe(2 * 64 * 48 * 3)
    expect(written.subarray(0, 64 * 48 * 3).equals(full.data)).toBe(true)
    expect(written.subarray(64 * 48 * 3).equals(scaleFrame(small, 64, 48).data)).toBe(true)
  })
})

describe('PipeSink with MJPEG', () => {
  it('passes MJPEG through as it arrived, for the program to decode', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ivc-pipe-')), 'frames.mjpeg')
    let started: string[] = []
    const sink = new PipeSink('capture', 'sh', (input) => ((started = input.args), ['-c', `cat > ${out}`]), recordingLogger())
    expect(sink.passes).toEqual(['mjpeg'])
    const jpeg = await new JpegCodec(80).encode(await new SyntheticSource(64, 48).read())
    expect(await sink.render({seq: 0, captureUs: 0, encoded: {format: 'mjpeg', payload: jpeg}})).toBe('rendered')
    await sink.close()
    expect(started).toEqual(['-f', 'mjpeg'])
    expect(readFileSync(out).equals(jpeg)).toBe(true)
  })
})
