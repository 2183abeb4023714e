import {createPrivateKey, createPublicKey, diffieHellman} from 'node:crypto'

import {describe, expect, it} from 'vitest'

import {callKey, type CallKeyUse, deriveCallSecret, KEY_SHARE_PATTERN, type KeyShare, newKeyShare} from '../../src/security/key-share.js'

const b64url = (hex: string) => Buffer.from(hex, 'hex').toString('base64url')

// RFC 7748 §6.1: Alice's and Bob's X25519 key pairs and their shared secret.
const alice: KeyShare = {privateKey: b64url('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'), publicKey: b64url('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a')}
const bob: KeyShare = {privateKey: b64url('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'), publicKey: b64url('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f')}
const RFC_SHARED = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742'
const transcript = {callId: 'c0ffee00c0ffee00', caller: 'alice', callee: 'bob', callerShare: alice.publicKey, calleeShare: bob.publicKey}

describe('call key agreement', () => {
  it('reads key shares as RFC 7748 does: the test vectors give its shared secret', () => {
    const shared = diffieHellman({
      privateKey: createPrivateKey({key: {kty: 'OKP', crv: 'X25519', d: alice.privateKey, x: alice.publicKey}, format: 'jwk'}),
      publicKey: createPublicKey({key: {kty: 'OKP', crv: 'X25519', x: bob.publicKey}, format: 'jwk'}),
    })
    expect(shared.toString('hex')).toBe(RFC_SHARED)
  })

  it('gives both sides the same secret, pinned for the RFC 7748 keys (HKDF-SHA256 over the transcript)', () => {
    const secret = deriveCallSecret(alice, transcript, 'caller')
    expect(deriveCallSecret(bob, transcript, 'callee')).toBe(secret)
    // Computed independently (Python hashlib/hmac: HKDF-SHA256, salt = SHA-256 of the NUL-joined transcript).
    expect(secret).toBe('d1eaa675639e16501383abe8fdf572eaffb6a229f86f688ed872ae7493860eb5')
  })

  it('binds the secret to the call: another id, name or share gives another secret', () => {
    const secret = deriveCallSecret(alice, transcript, 'caller')
    for (const change of [{callId: 'c0ffee00c0ffee01'}, {caller: 'alicf'}, {callee: 'bob2'}]) {
      expect(deriveCallSecret(alice, {...transcript, ...change}, 'caller'), JSON.stringify(change)).not.toBe(secret)
    }

    const carol = newKeyShare()
    expect(deriveCallSecret(alice, {...transcript, calleeShare: carol.publicKey}, 'caller')).not.toBe(secret)
  })

  it('makes fresh 43-character key shares', () => {
    const [one, two] = [newKeyShare(), newKeyShare()]
    expect(one.publicKey).toMatch(KEY_SHARE_PATTERN)
    expect(one.privateKey).toMatch(KEY_SHARE_PATTERN)
    expect(one.publicKey).not.toBe(two.publicKey)
    const t = {...transcript, callerShare: one.publicKey, calleeShare: two.publicKey}
    expect(deriveCallSecret(one, t, 'caller')).toBe(deriveCallSecret(two, t, 'callee'))
  })

  it('refuses a low-order or malformed peer share with a RangeError', () => {
    // u = 0 and u = 1 are of low order: the shared secret would be all zeros, known to anyone.
    for (const share of [b64url('00'.repeat(32)), b64url('01' + '00'.repeat(31))]) {
      expect(() => deriveCallSecret(alice, {...transcript, calleeShare: share}, 'caller')).toThrow(RangeError)
    }

    expect(() => deriveCallSecret(alice, {...transcript, calleeShare: 'short'}, 'caller')).toThrow('a key share is not 43 base64url characters')
  })

  it('takes the role as given: refuses a transcript without our share in our place, and a share reflected back as the peer\'s', () => {
    expect(() => deriveCallSecret(alice, transcript, 'callee')).toThrow('the transcript\'s callee share is not ours')
    expect(() => deriveCallSecret(bob, transcript, 'caller')).toThrow('the transcript\'s caller share is not ours')
    expect(() => deriveCallSecret(alice, {...transcript, calleeShare: alice.publicKey}, 'caller')).toThrow('the peer\'s key share is our own')
    expect(() => deriveCallSecret(bob, {...transcript, callerShare: bob.publicKey}, 'callee')).toThrow('the peer\'s key share is our own')
  })

  it('gives each component a key of its own use, never the call secret: one per medium and direction, one for control', () => {
    const secret = deriveCallSecret(alice, transcript, 'caller')
    // Computed independently (Python hmac: HKDF-SHA256; media: empty salt, info "ivc call key <use>"; control: salt
    // "ivc call control key salt v1", info "ivc call key control <set-up hash>").
    expect(callKey(secret, {purpose: 'media', kind: 'video', from: 'alice', to: 'bob'})).toBe('e28ac8d4439806989d16d86cae054bf8ae7d73d822fa2aebce9202370c53cfb7')
    expect(callKey(secret, {purpose: 'control', setupHash: 'ab'.repeat(32)})).toBe('c1f9ad3d85542a5b9b5bbf7c527e2d1e85c08ec226addc89a6c93cf707feed8f')
    const uses: CallKeyUse[] = [{purpose: 'control', setupHash: 'ab'.repeat(32)}, {purpose: 'control', setupHash: 'ac'.repeat(32)}]
    for (const kind of ['video', 'audio'] as const) uses.push({purpose: 'media', kind, from: 'alice', to: 'bob'}, {purpose: 'media', kind, from: 'bob', to: 'alice'})
    const keys = new Set(uses.map((use) => callKey(secret, use)))
    expect(keys.size).toBe(uses.length)
    expect(keys.has(secret)).toBe(false)
  })
})
