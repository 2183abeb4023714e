import {describe, expect, it} from 'vitest'

import {controlCodec} from '../../../src/protocol/call/control.js'
import {FrameError} from '../../../src/protocol/call/errors.js'
import {HEADER_BYTES, MAX_BODY_BYTES} from '../../../src/protocol/call/frame.js'
import {SIGNAL_VERSION, signalCodec} from '../../../src/protocol/call/signalling.js'
import {ALICE_KEY, controlFixtures, signalFixtures} from './fixtures.js'

/** A signalling frame around an arbitrary body, for the bad-body cases (header fields are right). */
function signalFrame(type: number, body: string | Buffer): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
  const header = Buffer.from([0x49, 0x56, 0x43, 0x53, SIGNAL_VERSION, type, bytes.length >> 8, bytes.length & 0xff])
  return Buffer.concat([header, bytes])
}

const codecs = [
  {label: 'signalling', codec: signalCodec, fixtures: signalFixtures},
  {label: 'control', codec: controlCodec, fixtures: controlFixtures},
] as const

describe.each(codecs)('$label codec', ({codec, fixtures}) => {
  describe.each(fixtures)('golden $name', ({message, bytes}) => {
    it('parses to the message', () => {
      expect(codec.decodeAll(bytes)).toEqual([message])
    })

    it('generates the same bytes (parse → generate → mirror)', () => {
      // Both codecs share this body; `never` because each only ever sees its own messages.
      expect(codec.encode(message as never).equals(bytes)).toBe(true)
      expect(codec.encode(codec.decodeAll(bytes)[0] as never).equals(bytes)).toBe(true)
    })

    it('waits at every strict prefix and reports truncation at end of stream', () => {
      for (let length = 0; length < bytes.length; length++) {
        const decoder = codec.decoder()
        const step = decoder.push(bytes.subarray(0, length))
        expect(step).toEqual({messages: []})
        const error = decoder.end()
        if (length === 0) expect(error).toBeUndefined()
        else if (length < HEADER_BYTES) expect(error?.message).toBe(`${codec.spec.protocol}: stream ended inside a frame (${length} of 8 header bytes)`)
        else expect(error?.message).toBe(`${codec.spec.protocol}: stream ended inside a frame (${length - HEADER_BYTES} of ${bytes.length - HEADER_BYTES} body bytes)`)
      }
    })
  })

  it('decodes a stream of every fixture split at every byte boundary, and byte by byte', () => {
    const stream = Buffer.concat(fixtures.map((f) => f.bytes))
    const expected = fixtures.map((f) => f.message)
    for (let split = 0; split <= stream.length; split++) {
      const decoder = codec.decoder()
      const first = decoder.push(stream.subarray(0, split))
      const second = decoder.push(stream.subarray(split))
      expect([...first.messages, ...second.messages]).toEqual(expected)
      expect(first.error ?? second.error ?? decoder.end()).toBeUndefined()
    }

    const decoder = codec.decoder()
    const messages = [...stream].flatMap((byte) => decoder.push(Uint8Array.of(byte)).messages)
    expect(messages).toEqual(expected)
    expect(decoder.buffered).toBe(0)
  })
})

/** Exact error texts for bad input; each case is also fed byte by byte and must fail the same way. */
const badSignalling: Array<[string, Buffer, string, string]> = [
  ['an HTTP request', Buffer.from('GET / HTTP/1.1\r\n\r\n'), 'BadMagicError', 'signalling: bad magic: expected 49 56 43 53 ("IVCS"), got 47'],
  ['a control frame on the signalling port', controlFixtures[1].bytes, 'BadMagicError', 'signalling: bad magic: expected 49 56 43 53 ("IVCS"), got 49 56 43 43'],
  ['version 1 (the secret in the clear)', Buffer.from('4956435301', 'hex'), 'BadVersionError', 'signalling: unsupported version 1 (this ivc speaks version 6)'],
  ['version 2 (no failed hangup)', Buffer.from('4956435302', 'hex'), 'BadVersionError', 'signalling: unsupported version 2 (this ivc speaks version 6)'],
  ['version 3 (unsigned invite and accept)', Buffer.from('4956435303', 'hex'), 'BadVersionError', 'signalling: unsupported version 3 (this ivc speaks version 6)'],
  ['version 4 (signalling in the clear)', Buffer.from('4956435304', 'hex'), 'BadVersionError', 'signalling: unsupported version 4 (this ivc speaks version 6)'],
  ['version 5 (one format a stream, none chosen)', Buffer.from('4956435305', 'hex'), 'BadVersionError', 'signalling: unsupported version 5 (this ivc speaks version 6)'],
  ['version 0', Buffer.from('4956435300', 'hex'), 'BadVersionError', 'signalling: unsupported version 0 (this ivc speaks version 6)'],
  ['type 0x00', Buffer.from('495643530600', 'hex'), 'UnknownTypeError', 'signalling: unknown message type 0x00'],
  ['type 0x7f', Buffer.from('49564353067f', 'hex'), 'UnknownTypeError', 'signalling: unknown message type 0x7f'],
  ['a body one byte over the limit', Buffer.from('4956435306024001', 'hex'), 'OversizeError', 'signalling: body of 16385 bytes exceeds the 16384-byte limit'],
  ['the largest length field', Buffer.from('495643530602ffff', 'hex'), 'OversizeError', 'signalling: body of 65535 bytes exceeds the 16384-byte limit'],
  ['an empty body', signalFrame(2, ''), 'BadBodyError', 'signalling: bad ringing body: not JSON'],
  ['a body that is not JSON', signalFrame(2, '{callId:1}'), 'BadBodyError', 'signalling: bad ringing body: not JSON'],
  ['a body that is not UTF-8', signalFrame(2, Buffer.from([0x22, 0xff, 0x22])), 'BadBodyError', 'signalling: bad ringing body: not UTF-8'],
  ['a JSON array body', signalFrame(2, '[]'), 'BadBodyError', 'signalling: bad ringing body: body: Expected object, received array'],
  ['a missing field', signalFrame(2, '{}'), 'BadBodyError', 'signalling: bad ringing body: callId: Required'],
  ['an unknown field', signalFrame(2, '{"callId":"c0ffee00c0ffee00","x":1}'), 'BadBodyError', "signalling: bad ringing body: body: Unrecognized key(s) in object: 'x'"],
  ['a short call id', signalFrame(2, '{"callId":"abc"}'), 'BadBodyError', 'signalling: bad ringing body: callId: must be 8-64 characters of A-Z a-z 0-9 _ -'],
  [
    'a bad key share',
    signalFrame(3, '{"callId":"c0ffee00c0ffee00","keyShare":"XYZ","controlPort":1,"media":{}}'),
    'BadBodyError',
    'signalling: bad accept body: keyShare: must be 43 base64url characters (an X25519 public key)',
  ],
  [
    'a secret in the accept (version 1 sent it in the clear)',
    signalFrame(3, '{"callId":"c0ffee00c0ffee00","secret":"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff","controlPort":1,"media":{}}'),
    'BadBodyError',
    'signalling: bad accept body: keyShare: Required',
  ],
  [
    '65 connections',
    signalFrame(1, `{"callId":"c0ffee00c0ffee00","from":"alice","to":"bob","address":"h","keyShare":"jIHekjtRmTbjesJHRuXEiJmN6wMnwmbzqrFtirb433Y","identityKey":"${ALICE_KEY}","media":{"audio":{"formats":["pcm-s16le"],"port":1,"connections":65,"send":true,"receive":true}}}`),
    'BadBodyError',
    'signalling: bad invite body: media.audio.connections: Number must be less than or equal to 64',
  ],
  [
    'port 0',
    signalFrame(1, `{"callId":"c0ffee00c0ffee00","from":"alice","to":"bob","address":"h","keyShare":"jIHekjtRmTbjesJHRuXEiJmN6wMnwmbzqrFtirb433Y","identityKey":"${ALICE_KEY}","media":{"video":{"formats":["mjpeg"],"port":0,"connections":1,"send":true,"receive":true}}}`),
    'BadBodyError',
    'signalling: bad invite body: media.video.port: Number must be greater than or equal to 1',
  ],
  [
    'a stream with one format (version 5\'s offer)',
    signalFrame(1, `{"callId":"c0ffee00c0ffee00","from":"alice","to":"bob","address":"h","keyShare":"jIHekjtRmTbjesJHRuXEiJmN6wMnwmbzqrFtirb433Y","identityKey":"${ALICE_KEY}","media":{"audio":{"format":"pcm-s16le","port":1,"connections":1,"send":true,"receive":true}}}`),
    'BadBodyError',
    'signalling: bad invite body: media.audio.formats: Required',
  ],
  [
    'a format listed twice',
    signalFrame(1, `{"callId":"c0ffee00c0ffee00","from":"alice","to":"bob","address":"h","keyShare":"jIHekjtRmTbjesJHRuXEiJmN6wMnwmbzqrFtirb433Y","identityKey":"${ALICE_KEY}","media":{"audio":{"formats":["opus","opus"],"port":1,"connections":1,"send":true,"receive":true}}}`),
    'BadBodyError',
    'signalling: bad invite body: media.audio.formats: must not name a format twice',
  ],
  [
    'no format',
    signalFrame(1, `{"callId":"c0ffee00c0ffee00","from":"alice","to":"bob","address":"h","keyShare":"jIHekjtRmTbjesJHRuXEiJmN6wMnwmbzqrFtirb433Y","identityKey":"${ALICE_KEY}","media":{"audio":{"formats":[],"port":1,"connections":1,"send":true,"receive":true}}}`),
    'BadBodyError',
    'signalling: bad invite body: media.audio.formats: Array must contain at least 1 element(s)',
  ],
  [
    'a chosen format in an invite (only the accept chooses)',
    signalFrame(1, `{"callId":"c0ffee00c0ffee00","from":"alice","to":"bob","address":"h","keyShare":"jIHekjtRmTbjesJHRuXEiJmN6wMnwmbzqrFtirb433Y","identityKey":"${ALICE_KEY}","media":{"audio":{"formats":["opus"],"port":1,"connections":1,"send":true,"receive":true,"toCallee":"opus"}}}`),
    'BadBodyError',
    "signalling: bad invite body: media.audio: Unrecognized key(s) in object: 'toCallee'",
  ],
  [
    'a chosen format that is no format name',
    signalFrame(3, `{"callId":"c0ffee00c0ffee00","keyShare":"q8Ld1PuTQeRzGX0ia-uVh3tJy9Dk_5wHfE2mS6oNYCc","identityKey":"${ALICE_KEY}","controlPort":1,"media":{"audio":{"formats":["opus"],"port":1,"connections":1,"send":true,"receive":true,"toCaller":"Opus!"}}}`),
    'BadBodyError',
    'signalling: bad accept body: media.audio.toCaller: must be a short lower-case format name',
  ],
  [
    'a bad username',
    signalFrame(1, `{"callId":"c0ffee00c0ffee00","from":"-alice","to":"bob","address":"h","keyShare":"jIHekjtRmTbjesJHRuXEiJmN6wMnwmbzqrFtirb433Y","identityKey":"${ALICE_KEY}","media":{}}`),
    'BadBodyError',
    'signalling: bad invite body: from: invalid username',
  ],
  ['an unknown reject code', signalFrame(4, '{"callId":"c0ffee00c0ffee00","code":"nope","reason":""}'), 'BadBodyError', "signalling: bad reject body: code: Invalid enum value. Expected 'declined' | 'timeout' | 'glare' | 'wrong-user' | 'unavailable' | 'auth-failed' | 'identity-changed', received 'nope'"],
  [
    'a signature that is not 64 bytes',
    signalFrame(3, `{"callId":"c0ffee00c0ffee00","keyShare":"q8Ld1PuTQeRzGX0ia-uVh3tJy9Dk_5wHfE2mS6oNYCc","identityKey":"${ALICE_KEY}","controlPort":1,"media":{},"signature":"AAAA"}`),
    'BadBodyError',
    'signalling: bad accept body: signature: must be 86 base64url characters (an Ed25519 signature)',
  ],
  [
    'an unsigned invite (version 3 had none)',
    signalFrame(1, `{"callId":"c0ffee00c0ffee00","from":"alice","to":"bob","address":"h","keyShare":"jIHekjtRmTbjesJHRuXEiJmN6wMnwmbzqrFtirb433Y","identityKey":"${ALICE_KEY}","media":{}}`),
    'BadBodyError',
    'signalling: bad invite body: signature: Required',
  ],
]

describe('signalling decoder on bad input', () => {
  it.each(badSignalling)('refuses %s with a named, exact error', (_label, bytes, name, text) => {
    for (const feed of [[bytes], [...bytes].map((b) => Uint8Array.of(b))]) {
      const decoder = signalCodec.decoder()
      let error: FrameError | undefined
      for (const chunk of feed) error ??= decoder.push(chunk).error
      expect(error).toBeInstanceOf(FrameError)
      expect(error?.constructor.name).toBe(name)
      expect(error?.message).toBe(text)
      // Failed for good: more input returns the same error and nothing else.
      expect(decoder.push(signalFixtures[1].bytes)).toEqual({messages: [], error})
      expect(decoder.end()).toBe(error)
    }
  })

  it('delivers the good frames before a bad one in the same chunk', () => {
    const decoder = signalCodec.decoder()
    const step = decoder.push(Buffer.concat([signalFixtures[1].bytes, signalFixtures[5].bytes, Buffer.from('garbage')]))
    expect(step.messages).toEqual([signalFixtures[1].message, signalFixtures[5].message])
    expect(step.error?.code).toBe('BAD_MAGIC')
  })

  it('never buffers more than one header and one bounded body', () => {
    const decoder = signalCodec.decoder()
    const header = Buffer.from([0x49, 0x56, 0x43, 0x53, SIGNAL_VERSION, 2, MAX_BODY_BYTES >> 8, MAX_BODY_BYTES & 0xff])
    expect(decoder.push(header)).toEqual({messages: []})
    expect(decoder.push(Buffer.alloc(MAX_BODY_BYTES - 1, 0x20))).toEqual({messages: []})
    expect(decoder.buffered).toBe(HEADER_BYTES + MAX_BODY_BYTES - 1)
  })
})

describe('encoders', () => {
  it('refuse a message that breaks the schema (a bug on our side, never sent)', () => {
    expect(() => signalCodec.encode({type: 'ringing', callId: 'x'})).toThrow(/8-64 characters/)
    expect(() => controlCodec.encode({type: 'chat', text: 'x'.repeat(2001)})).toThrow(/at most 2000/)
  })

  it('put the type in the header and only the fields in the body', () => {
    const bytes = signalCodec.encode({type: 'busy', callId: 'c0ffee00c0ffee00'})
    expect(bytes.subarray(HEADER_BYTES).toString()).toBe('{"callId":"c0ffee00c0ffee00"}')
    expect(bytes[5]).toBe(0x05)
  })
})
