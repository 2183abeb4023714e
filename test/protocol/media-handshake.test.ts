import {describe, expect, it} from 'vitest'

import {decodeHello, decodeReply, encodeHello, encodeReply, HELLO_SIZE, type Hello, REPLY_SIZE} from '../../src/protocol/media-handshake.js'

const hello: Hello = {kind: 'video', streamId: 0x01020304, connectionIndex: 3, connectionCount: 20, security: 'tls'}

// prettier-ignore
const golden = Buffer.concat([
  Buffer.from([0x49, 0x56, 0x43, 0x4d]), // magic "IVCM"
  Buffer.from([0x04]), //                   version 4
  Buffer.from([0x01]), //                   kind 1 = video
  Buffer.from([0x01]), //                   security 1 = tls (TLS 1.3 keyed by the stream's secret and this hello follows the reply)
  Buffer.from([0x00]), //                   reserved
  Buffer.from([0x01, 0x02, 0x03, 0x04]), // stream id
  Buffer.from([0x00, 0x03]), //             connection index 3
  Buffer.from([0x00, 0x14]), //             connection count 20
])

describe('media hello', () => {
  it('encodes to the golden bytes and decodes them back', () => {
    expect(golden.length).toBe(HELLO_SIZE)
    expect(encodeHello(hello)).toEqual(golden)
    const decoded = decodeHello(golden)
    expect(decoded).toEqual({ok: true, value: hello, rest: Buffer.alloc(0)})
  })

  it('mirrors: decode then encode gives the same bytes', () => {
    const decoded = decodeHello(golden)
    if (!decoded?.ok) throw new Error('did not decode')
    expect(encodeHello(decoded.value)).toEqual(golden)
  })

  it('is incomplete at every proper prefix', () => {
    for (let n = 0; n < golden.length; n++) expect(decodeHello(golden.subarray(0, n)), `prefix ${n}`).toBeUndefined()
  })

  it('keeps the bytes after the hello as rest', () => {
    const decoded = decodeHello(Buffer.concat([golden, Buffer.from([9, 8])]))
    expect(decoded?.ok && [...decoded.rest]).toEqual([9, 8])
  })

  it('rejects a wrong magic from its first byte', () => {
    expect(decodeHello(Buffer.from('G'))).toEqual({ok: false, reason: 'bad magic "G" (expected "IVCM")'})
    expect(decodeHello(Buffer.from('GET / HTTP/1.1\r\n'))).toMatchObject({ok: false, reason: 'bad magic "GET " (expected "IVCM")'})
  })

  it('rejects a bad version, kind, security, count, index and reserved bits', () => {
    const bad = (offset: number, value: number) => {
      const copy = Buffer.from(golden)
      copy[offset] = value
      return decodeHello(copy)
    }

    expect(bad(4, 2)).toEqual({ok: false, reason: 'unsupported protocol version 2 (this side speaks 4)'})
    expect(decodeHello(Buffer.from([0x49, 0x56, 0x43, 0x4d, 0x09]))).toMatchObject({ok: false})
    expect(bad(5, 7)).toEqual({ok: false, reason: 'unknown stream kind 7'})
    expect(bad(7, 1)).toEqual({ok: false, reason: 'reserved hello bits set'})
    expect(bad(15, 65)).toEqual({ok: false, reason: 'connection count 65 is not in 1..64'})
    expect(bad(15, 0)).toEqual({ok: false, reason: 'connection count 0 is not in 1..64'})
    expect(bad(13, 20)).toEqual({ok: false, reason: 'connection index 20 is not below count 20'})
    expect(bad(6, 2)).toEqual({ok: false, reason: 'unknown security mode 2'})
  })

  it('refuses to encode what it could not decode', () => {
    expect(() => encodeHello({...hello, connectionCount: 65})).toThrow(RangeError)
    expect(() => encodeHello({...hello, connectionIndex: 20})).toThrow(RangeError)
  })

  it('round-trips audio in the clear and the largest ids', () => {
    const big: Hello = {kind: 'audio', streamId: 0xffffffff, connectionIndex: 63, connectionCount: 64, security: 'none'}
    expect(decodeHello(encodeHello(big))).toMatchObject({ok: true, value: big})
  })
})

describe('media hello reply', () => {
  // magic "IVCR", version 4, status 1 = authFailed, reserved
  const goldenReply = Buffer.from([0x49, 0x56, 0x43, 0x52, 0x04, 0x01, 0x00, 0x00])

  it('encodes to the golden bytes and decodes every status', () => {
    expect(encodeReply('authFailed')).toEqual(goldenReply)
    expect(goldenReply.length).toBe(REPLY_SIZE)
    for (const status of ['ok', 'authFailed', 'busy', 'badRequest'] as const) {
      expect(decodeReply(encodeReply(status))).toEqual({ok: true, value: status, rest: Buffer.alloc(0)})
    }
  })

  it('is incomplete at every proper prefix and rejects bad bytes', () => {
    for (let n = 0; n < REPLY_SIZE; n++) expect(decodeReply(goldenReply.subarray(0, n))).toBeUndefined()
    expect(decodeReply(Buffer.from('IVCM'))).toMatchObject({ok: false})
    const unknown = Buffer.from(goldenReply)
    unknown[5] = 9
    expect(decodeReply(unknown)).toEqual({ok: false, reason: 'unknown reply status 9'})
  })
})
