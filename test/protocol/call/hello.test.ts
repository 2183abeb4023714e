import {describe, expect, it} from 'vitest'

import {decodeSignalHello, encodeSignalHello, HELLO_BYTES, type SignalHello} from '../../../src/protocol/call/hello.js'

const key = Buffer.from('8c81de923b519936e37ac24746e5c488998deb0327c266f3aab16d8ab6f8df76', 'hex')
const hello: SignalHello = {role: 'caller', key}

// prettier-ignore
const golden = Buffer.concat([
  Buffer.from([0x49, 0x56, 0x43, 0x48]), // magic "IVCH"
  Buffer.from([0x06]), //                   version 6: the signalling version this hello opens
  Buffer.from([0x01]), //                   role 1 = caller (2 = callee)
  Buffer.from([0x00, 0x00]), //             reserved
  key, //                                   32 bytes: the sender's fresh X25519 public key, nothing else
])

describe('signalling hello', () => {
  it('encodes to the golden bytes and decodes them back, and mirrors', () => {
    expect(key.length).toBe(32)
    expect(golden.length).toBe(HELLO_BYTES)
    expect(encodeSignalHello(hello)).toEqual(golden)
    const decoded = decodeSignalHello(golden)
    expect(decoded).toEqual({ok: true, value: hello, rest: Buffer.alloc(0)})
    if (!decoded?.ok) throw new Error('did not decode')
    expect(encodeSignalHello(decoded.value)).toEqual(golden)
    const callee = encodeSignalHello({role: 'callee', key})
    expect(callee[5]).toBe(2)
    expect(decodeSignalHello(callee)).toMatchObject({ok: true, value: {role: 'callee'}})
  })

  it('is incomplete at every proper prefix, and keeps what follows as rest', () => {
    for (let n = 0; n < golden.length; n++) expect(decodeSignalHello(golden.subarray(0, n)), `prefix ${n}`).toBeUndefined()
    const decoded = decodeSignalHello(Buffer.concat([golden, Buffer.from([9, 8])]))
    expect(decoded?.ok && [...decoded.rest]).toEqual([9, 8])
  })

  it('decodes the same however it is split: every split point, and byte by byte', () => {
    for (let cut = 0; cut <= golden.length; cut++) {
      // The reader accumulates what came (transport/signal-hello.ts): each prefix is incomplete until the last byte.
      expect(decodeSignalHello(golden.subarray(0, cut)), `cut ${cut}`).toEqual(cut === golden.length ? {ok: true, value: hello, rest: Buffer.alloc(0)} : undefined)
    }
  })

  it('refuses a wrong magic from its first wrong byte, signalling 4 in the clear at its fourth', () => {
    expect(decodeSignalHello(Buffer.from('G'))).toEqual({ok: false, reason: 'bad magic "G" (expected "IVCH")'})
    expect(decodeSignalHello(Buffer.from('IVCS\u0004\u0001', 'latin1'))).toEqual({ok: false, reason: 'bad magic "IVCS" (expected "IVCH")'})
  })

  it('refuses a bad version, role or reserved byte as soon as it arrives', () => {
    const bad = (offset: number, value: number) => {
      const copy = Buffer.from(golden.subarray(0, offset + 1))
      copy[offset] = value
      return decodeSignalHello(copy)
    }

    expect(bad(4, 4)).toEqual({ok: false, reason: 'unsupported signalling version 4 (this side speaks 6)'})
    // Signalling 5's hello, whose offer had one format a stream: refused at its version byte.
    expect(bad(4, 5)).toEqual({ok: false, reason: 'unsupported signalling version 5 (this side speaks 6)'})
    expect(bad(5, 0)).toEqual({ok: false, reason: 'unknown hello role 0'})
    expect(bad(5, 3)).toEqual({ok: false, reason: 'unknown hello role 3'})
    expect(bad(6, 1)).toEqual({ok: false, reason: 'reserved hello bits set'})
    expect(bad(7, 0x80)).toEqual({ok: false, reason: 'reserved hello bits set'})
  })

  it('refuses to encode a key of another length', () => {
    expect(() => encodeSignalHello({role: 'callee', key: Buffer.alloc(31)})).toThrow('a hello key is 32 bytes, not 31')
  })
})
