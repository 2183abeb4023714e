import {describe, it} from 'vitest'

import {decodeSignedEntry, encodeSignedEntry, MAX_ENTRY_BYTES} from '../../src/protocol/directory-entry.js'
import {identityFromSeed, verifySignature} from '../../src/security/identity.js'
import {check, FUZZ_RUNS, FUZZ_TIMEOUT_MS, fuzzCodec, onlyDocumented} from './mutate.js'

/**
 * The signed directory entry (docs/protocol.md, "Signed directory entries"): a mutated entry decodes to a value in
 * range or a reason, never throws, and never allocates beyond the input; a value that decodes still verifies only if
 * its signed bytes are the original's.
 */
describe('fuzz: signed directory entry', {timeout: FUZZ_TIMEOUT_MS}, () => {
  it(`${FUZZ_RUNS} mutated entries decode to a bounded entry or a reason`, () => {
    const identity = identityFromSeed(Buffer.alloc(32, 7))
    const sign = (data: Buffer) => identity.sign(data)
    const seeds = [
      encodeSignedEntry({name: 'bob', address: '10.0.0.6', ports: {call: 12_344, video: 12_345}, version: '0.1.0', publicKey: identity.publicKey, signedAt: 1_700_000_000_000}, sign),
      encodeSignedEntry({name: 'a', address: 'fe80::1%eth0', ports: {}, version: '', publicKey: identity.publicKey, signedAt: 0}, sign),
    ]
    const originals = new Set(seeds.map((seed) => seed.subarray(0, seed.length - 64).toString('hex')))
    // Length fields of the first seed: name, address, version, port count.
    const lengthFields = [45, 49, 58, 64].map((offset) => ({offset, size: 1 as const}))
    fuzzCodec({seeds, lengthFields, lengths: [16, 17, 32, 33, 64, 65, 255]}, (mutated) => Math.max(mutated.input.length, 64), (mutated) => {
      const result = decodeSignedEntry(mutated.input)
      onlyDocumented(result.ok ? 'ok' : typeof result.reason === 'string' && result.reason.startsWith('directory entry: ') ? 'error' : undefined, ['ok', 'error'], result)
      if (!result.ok) return
      const {content, signed, signature} = result.value
      check(mutated.input.length <= MAX_ENTRY_BYTES && Object.keys(content.ports).length <= 16, () => 'entry beyond its bounds')
      check(Number.isSafeInteger(content.signedAt), () => `signed at ${content.signedAt}`)
      if (verifySignature(content.publicKey, signed, signature)) check(originals.has(signed.toString('hex')), () => 'a changed entry verified')
    })
  })
})
