import {describe, expect, it} from 'vitest'

import {decodeSignedEntry, encodeEntryContent, encodeSignedEntry, type EntryContent, MAX_ENTRY_BYTES} from '../../src/protocol/directory-entry.js'
import {identityFromSeed, verifySignature} from '../../src/security/identity.js'

// RFC 8032 §7.1 test 1's key, so the signature below is reproducible anywhere.
const identity = identityFromSeed(Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex'))
const content: EntryContent = {name: 'bob', address: '10.0.0.6', ports: {video: 12_345, call: 12_344}, version: '0.1.0', publicKey: identity.publicKey, signedAt: 1_700_000_000_000}

// prettier-ignore
const goldenContent = Buffer.concat([
  Buffer.from('IVCE'), //                                   magic
  Buffer.from([0x01]), //                                   version 1
  Buffer.from('0000018bcfe56800', 'hex'), //                signed at 1 700 000 000 000 ms
  Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex'), // public key
  Buffer.from([3]), Buffer.from('bob'), //                  name
  Buffer.from([8]), Buffer.from('10.0.0.6'), //             address
  Buffer.from([5]), Buffer.from('0.1.0'), //                version
  Buffer.from([2]), //                                      2 ports, purposes in byte order
  Buffer.from([4]), Buffer.from('call'), Buffer.from([0x30, 0x38]), //  call 12 344
  Buffer.from([5]), Buffer.from('video'), Buffer.from([0x30, 0x39]), // video 12 345
])
const golden = encodeSignedEntry(content, (data) => identity.sign(data))

describe('signed directory entry', () => {
  it('encodes its content to the golden bytes, signed by the key it names; decodes and re-encodes them (mirror)', () => {
    expect(encodeEntryContent(content)).toEqual(goldenContent)
    expect(golden.subarray(0, goldenContent.length)).toEqual(goldenContent)
    expect(golden.length).toBe(goldenContent.length + 64)
    const decoded = decodeSignedEntry(golden)
    if (!decoded.ok) throw new Error(decoded.reason)
    expect(decoded.value.content).toEqual(content)
    expect(decoded.value.signed).toEqual(goldenContent)
    expect(verifySignature(identity.publicKey, decoded.value.signed, decoded.value.signature)).toBe(true)
    expect(encodeSignedEntry(decoded.value.content, (data) => identity.sign(data))).toEqual(golden)
  })

  it('refuses every truncation, and any byte after the signature', () => {
    for (let length = 0; length < golden.length; length++) {
      const decoded = decodeSignedEntry(golden.subarray(0, length))
      // Cut inside the signature, the decoder reads the tail of the content as signature: the content is then short.
      expect(decoded.ok, `prefix of ${length} bytes`).toBe(false)
    }

    expect(decodeSignedEntry(Buffer.concat([golden, Buffer.from([0])])).ok).toBe(false)
  })

  it('holds one message whole: split anywhere, neither part decodes, and the parts rejoined decode as before', () => {
    for (let cut = 1; cut < golden.length; cut++) {
      const [head, tail] = [golden.subarray(0, cut), golden.subarray(cut)]
      expect(decodeSignedEntry(head).ok && decodeSignedEntry(tail).ok, `cut at ${cut}`).toBe(false)
      expect(decodeSignedEntry(Buffer.concat([head, tail]))).toEqual(decodeSignedEntry(golden))
    }
  })

  it.each([
    [Buffer.concat([Buffer.from('IVCS'), golden.subarray(4)]), 'directory entry: bad magic 49564353'],
    [Buffer.concat([golden.subarray(0, 4), Buffer.from([2]), golden.subarray(5)]), 'directory entry: unsupported version 2 (this ivc reads version 1)'],
    [Buffer.concat([golden.subarray(0, 5), Buffer.alloc(8, 0xff), golden.subarray(13)]), 'directory entry: signed-at time out of range'],
    [Buffer.concat([golden.subarray(0, 45), Buffer.from([0]), golden.subarray(46)]), 'directory entry: name length 0 is outside 1-32'],
    [Buffer.concat([golden.subarray(0, 46), Buffer.from('-ob'), golden.subarray(49)]), 'directory entry: the name is not a valid username'],
    [Buffer.alloc(MAX_ENTRY_BYTES + 1), `directory entry: ${MAX_ENTRY_BYTES + 1} bytes exceeds the 1024-byte limit`],
  ])('refuses %# with its reason', (input, reason) => {
    expect(decodeSignedEntry(input)).toEqual({ok: false, reason})
  })

  it('refuses ports out of order, too many, or out of range, and content the directory would not store', () => {
    // The two port records (from offset 65: call, 7 bytes; video, 8 bytes) the other way round.
    const swapped = Buffer.concat([goldenContent.subarray(0, 65), goldenContent.subarray(72), goldenContent.subarray(65, 72), Buffer.alloc(64)])
    expect(decodeSignedEntry(swapped)).toEqual({ok: false, reason: 'directory entry: port purposes are not in increasing order'})
    expect(() => encodeEntryContent({...content, ports: {call: 0}})).toThrow('port call is not 1-65535')
    expect(() => encodeEntryContent({...content, address: 'a b'})).toThrow('the address is not a host or address')
    const many = Object.fromEntries(Array.from({length: 17}, (_, index) => [`p${index}`, 1000 + index]))
    expect(() => encodeEntryContent({...content, ports: many})).toThrow('more than 16 ports')
  })
})
