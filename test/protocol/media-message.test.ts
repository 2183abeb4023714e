import {describe, expect, it} from 'vitest'

import {decodeEcho, decodeRttReport, encodeEcho, encodeFeedback, encodeRttReport} from '../../src/protocol/media-echo.js'
import {encodeHeader, encodeMessage, FLAG_KEY_FRAME, MAX_FEEDBACK_BYTES, type MediaMessage, MediaMessageDecoder, MESSAGE_HEADER_SIZE} from '../../src/protocol/media-message.js'

const frame: MediaMessage = {type: 'frame', flags: FLAG_KEY_FRAME, seq: 0x0a0b0c0d, captureUs: 0x0102030405, senderDelayUs: 1500, payload: Buffer.from('JPEG')}

// prettier-ignore
const golden = Buffer.from([
  0x01, //                                           type 1 = frame
  0x01, //                                           flags: key frame
  0x00, 0x00, //                                     reserved
  0x0a, 0x0b, 0x0c, 0x0d, //                         seq
  0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, // capture time, µs
  0x00, 0x00, 0x05, 0xdc, //                         sender delay 1500 µs
  0x00, 0x00, 0x00, 0x04, //                         payload length 4
  0x4a, 0x50, 0x45, 0x47, //                         payload "JPEG"
])

const decodeAll = (chunks: Buffer[], max = 1024) => {
  const decoder = new MediaMessageDecoder(max)
  const messages: MediaMessage[] = []
  let error: string | undefined
  for (const chunk of chunks) {
    const result = decoder.push(chunk)
    messages.push(...result.messages)
    error ??= result.error
  }

  return {messages, error, decoder}
}

describe('media message', () => {
  it('encodes to the golden bytes and decodes them back (mirror)', () => {
    expect(encodeMessage(frame)).toEqual(golden)
    expect(encodeHeader({...frame, payloadLength: 4})).toEqual(golden.subarray(0, MESSAGE_HEADER_SIZE))
    const {messages, error} = decodeAll([golden])
    expect(error).toBeUndefined()
    expect(messages).toEqual([frame])
    expect(encodeMessage(messages[0])).toEqual(golden)
  })

  it('yields nothing, and no error, for every proper prefix', () => {
    for (let n = 0; n < golden.length; n++) {
      const {messages, error, decoder} = decodeAll([golden.subarray(0, n)])
      expect(messages, `prefix ${n}`).toEqual([])
      expect(error).toBeUndefined()
      expect(decoder.bufferedBytes).toBe(n)
    }
  })

  it('decodes the same messages however the stream is split', () => {
    const stream = Buffer.concat([golden, encodeEcho({seq: 7, sendUs: 99, holdUs: 3}), encodeFeedback(Buffer.from('{"a":1}')), golden])
    const whole = decodeAll([stream]).messages
    expect(whole.map((message) => message.type)).toEqual(['frame', 'echo', 'feedback', 'frame'])
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(decodeAll([stream.subarray(0, cut), stream.subarray(cut)]).messages, `split at ${cut}`).toEqual(whole)
    }

    expect(decodeAll([...stream].map((byte) => Buffer.from([byte]))).messages).toEqual(whole)
  })

  it('rejects an oversize frame from its header alone, before buffering the payload', () => {
    const header = encodeHeader({...frame, payloadLength: 0xffffffff})
    const {messages, error, decoder} = decodeAll([header], 4 * 1024 * 1024)
    expect(messages).toEqual([])
    expect(error).toBe('frame payload of 4294967295 bytes exceeds the limit of 4194304')
    expect(decoder.bufferedBytes).toBe(0)
    // Once failed, it stays failed: a byte stream cannot be resynchronised.
    expect(decoder.push(golden)).toEqual({messages: [], error})
  })

  it('names every other way a header can be wrong', () => {
    const with_ = (offset: number, value: number) => {
      const copy = Buffer.from(golden)
      copy[offset] = value
      return decodeAll([copy]).error
    }

    expect(with_(0, 9)).toBe('unknown message type 9')
    expect(with_(1, 0x80)).toBe('unknown flags 0x80')
    expect(with_(3, 1)).toBe('reserved header bits set')
    expect(with_(8, 1)).toBe('capture time out of range')
    const echo = encodeEcho({seq: 1, sendUs: 2, holdUs: 3})
    echo.writeUInt32BE(5, 20)
    expect(decodeAll([echo]).error).toBe('echo payload of 5 bytes (must be 4)')
    expect(decodeAll([encodeHeader({type: 'feedback', flags: 0, seq: 0, captureUs: 0, senderDelayUs: 0, payloadLength: MAX_FEEDBACK_BYTES + 1})]).error).toBe(
      'feedback payload of 65537 bytes exceeds the limit of 65536',
    )
  })

  it('treats garbage as garbage', () => {
    expect(decodeAll([Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')]).error).toBe('unknown message type 71')
  })
})

describe('echo and rtt messages', () => {
  // prettier-ignore
  const goldenEcho = Buffer.from([
    0x02, 0x00, 0x00, 0x00, //                         type 2 = echo, no flags
    0x00, 0x00, 0x00, 0x2a, //                         seq 42 (the frame echoed)
    0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x42, 0x40, // its send time, 1 000 000 µs
    0x00, 0x00, 0x00, 0x00, //                         sender delay (unused)
    0x00, 0x00, 0x00, 0x04, //                         payload length 4
    0x00, 0x00, 0x01, 0xf4, //                         hold time 500 µs
  ])

  it('encodes and decodes an echo', () => {
    expect(encodeEcho({seq: 42, sendUs: 1_000_000, holdUs: 500})).toEqual(goldenEcho)
    expect(decodeEcho(decodeAll([goldenEcho]).messages[0])).toEqual({seq: 42, sendUs: 1_000_000, holdUs: 500})
  })

  it('encodes and decodes an rtt report', () => {
    const report = encodeRttReport(12_345)
    expect([...report.subarray(0, 4)]).toEqual([4, 0, 0, 0])
    expect(decodeRttReport(decodeAll([report]).messages[0])).toBe(12_345)
  })

  it('refuses to encode an oversize feedback', () => {
    expect(() => encodeFeedback(Buffer.alloc(MAX_FEEDBACK_BYTES + 1))).toThrow(RangeError)
  })
})
