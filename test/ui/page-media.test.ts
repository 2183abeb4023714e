import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {decodePageMedia, encodePageMediaHeader, MAX_PAGE_MEDIA_PAYLOAD, PAGE_MEDIA_HEADER_BYTES, type PageMedia} from '../../src/ui/page-media.js'

const message = (media: PageMedia) => new Uint8Array(Buffer.concat([encodePageMediaHeader(media), media.payload]))

/** docs/protocol.md, "The ui page": a self-view picture, seq 7, handed over at 1.5 s. */
const GOLDEN = Buffer.from(
  [
    '01', // version 1
    '02', // stream 2: self-view
    '0000', // reserved
    '00000007', // seq 7
    '4136e36000000000', // hand-over 1_500_000 µs, float64
    'ffd8ffd9', // the payload: a (tiny) JPEG
  ].join(''),
  'hex',
)

describe('the page\'s binary media messages (docs/protocol.md, "The ui page")', () => {
  it('encodes to the documented bytes and decodes them back, the payload a view into the message', () => {
    const media: PageMedia = {stream: 'self-view', seq: 7, handedUs: 1_500_000, payload: new Uint8Array([0xff, 0xd8, 0xff, 0xd9])}
    expect(Buffer.from(message(media)).equals(GOLDEN)).toBe(true)
    const decoded = decodePageMedia(new Uint8Array(GOLDEN))
    expect(decoded).toEqual({ok: true, value: media})
    for (const stream of ['video', 'audio'] as const) expect(decodePageMedia(message({...media, stream}))).toMatchObject({ok: true, value: {stream}})
  })

  it('refuses every prefix shorter than the header, and takes each longer one as a shorter payload', () => {
    for (let length = 0; length < GOLDEN.length; length++) {
      const decoded = decodePageMedia(new Uint8Array(GOLDEN.subarray(0, length)))
      if (length < PAGE_MEDIA_HEADER_BYTES) expect(decoded, `${length} bytes`).toMatchObject({ok: false, reason: expect.stringContaining('header')})
      else expect(decoded, `${length} bytes`).toMatchObject({ok: true, value: {payload: new Uint8Array(GOLDEN.subarray(PAGE_MEDIA_HEADER_BYTES, length))}})
    }
  })

  it('refuses, with a reason, another version, an unknown stream, reserved bits, a bad time, an oversized payload', () => {
    const broken = (offset: number, byte: number) => {
      const copy = Buffer.from(GOLDEN)
      copy[offset] = byte
      return new Uint8Array(copy)
    }

    expect(decodePageMedia(broken(0, 2))).toEqual({ok: false, reason: 'version 2'})
    expect(decodePageMedia(broken(1, 9))).toEqual({ok: false, reason: 'unknown stream 9'})
    expect(decodePageMedia(broken(3, 1))).toEqual({ok: false, reason: 'reserved header bits set'})
    expect(decodePageMedia(broken(8, 0xc1))).toEqual({ok: false, reason: 'hand-over time out of range'})
    expect(decodePageMedia(broken(8, 0x7f).map((byte, index) => (index === 9 ? 0xf0 : byte)))).toEqual({ok: false, reason: 'hand-over time out of range'})
    const audio = message({stream: 'audio', seq: 1, handedUs: 0, payload: new Uint8Array(MAX_PAGE_MEDIA_PAYLOAD.audio + 1)})
    expect(decodePageMedia(audio)).toMatchObject({ok: false, reason: expect.stringContaining('exceeds the limit')})
  })

  it('never throws, whatever bytes arrive, and what it takes is within its bounds', () => {
    fc.assert(
      fc.property(fc.uint8Array({maxLength: 64}), fc.nat({max: 3}), (bytes, mode) => {
        // Random bytes, or random bytes after a valid header's first bytes (version and stream right).
        const input = mode === 0 ? bytes : new Uint8Array([...GOLDEN.subarray(0, mode * 2), ...bytes])
        const decoded = decodePageMedia(input)
        if (!decoded.ok) return decoded.reason.length > 0
        return decoded.value.payload.byteLength === input.byteLength - PAGE_MEDIA_HEADER_BYTES && decoded.value.handedUs >= 0
      }),
      {numRuns: 20_000},
    )
  })
})
