import {describe, expect, it} from 'vitest'

import {decodeWav, encodeWav, WAV_HEADER_BYTES, WavError, wavHeader} from '../../../src/media/audio/wav.js'

// The canonical header of 4 bytes of 48 kHz mono s16le, field by field.
const GOLDEN = Buffer.from(
  [
    '52494646', // "RIFF"
    '28000000', // RIFF size: 36 + 4
    '57415645', // "WAVE"
    '666d7420', // "fmt "
    '10000000', // fmt size 16
    '0100', // PCM
    '0100', // 1 channel
    '80bb0000', // 48000 Hz
    '00770100', // 96000 bytes/s
    '0200', // block align 2
    '1000', // 16 bits
    '64617461', // "data"
    '04000000', // 4 bytes of data
    '0100ffff', // samples 1, -1
  ].join(''),
  'hex',
)

describe('WAV codec', () => {
  it('writes the canonical header and reads it back', () => {
    const pcm = Buffer.from([1, 0, 0xff, 0xff])
    expect(encodeWav(pcm)).toEqual(GOLDEN)
    const decoded = decodeWav(GOLDEN)
    expect(decoded).toMatchObject({sampleRate: 48_000, channels: 1, bitsPerSample: 16})
    expect(decoded.pcm).toEqual(pcm)
    expect(wavHeader(4)).toEqual(GOLDEN.subarray(0, WAV_HEADER_BYTES))
  })

  it('rejects every truncated header with a WavError, never a crash', () => {
    for (let length = 0; length < WAV_HEADER_BYTES; length++) {
      expect(() => decodeWav(GOLDEN.subarray(0, length)), `prefix ${length}`).toThrow(WavError)
    }
  })

  it('reads a streamed WAV whose data length runs past the end of the file', () => {
    const streamed = Buffer.from(GOLDEN)
    streamed.writeUInt32LE(0xffffffff, 40)
    expect(decodeWav(streamed).pcm).toEqual(Buffer.from([1, 0, 0xff, 0xff]))
  })

  it('skips unknown chunks and mixes stereo down to mono', () => {
    const header = wavHeader(8, 48_000, 2)
    header.writeUInt16LE(4, 32) // block align for stereo
    header.writeUInt32LE(192_000, 28)
    const list = Buffer.concat([Buffer.from('LIST', 'ascii'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc\0', 'ascii')])
    const data = Buffer.alloc(8)
    data.writeInt16LE(100, 0)
    data.writeInt16LE(300, 2)
    data.writeInt16LE(-10, 4)
    data.writeInt16LE(-30, 6)
    const file = Buffer.concat([header.subarray(0, 36), list, header.subarray(36), data])
    const decoded = decodeWav(file)
    expect(decoded.channels).toBe(2)
    expect([decoded.pcm.readInt16LE(0), decoded.pcm.readInt16LE(2)]).toEqual([200, -20])
  })

  it('names what is wrong with files it cannot read', () => {
    const notWave = Buffer.from(GOLDEN)
    notWave.write('AVI ', 8, 'ascii')
    expect(() => decodeWav(notWave)).toThrow('not a RIFF/WAVE file')
    const eightBit = Buffer.from(GOLDEN)
    eightBit.writeUInt16LE(8, 34)
    expect(() => decodeWav(eightBit)).toThrow('8-bit samples')
    const float = Buffer.from(GOLDEN)
    float.writeUInt16LE(3, 20)
    expect(() => decodeWav(float)).toThrow('not PCM')
  })
})
