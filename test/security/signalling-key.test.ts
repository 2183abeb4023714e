import {describe, expect, it} from 'vitest'

import {encodeSignalHello} from '../../src/protocol/call/hello.js'
import {type KeyShare, newKeyShare} from '../../src/security/key-share.js'
import {signallingKeys} from '../../src/security/signalling-key.js'

const b64url = (hex: string) => Buffer.from(hex, 'hex').toString('base64url')
// RFC 7748 §6.1's key pairs (test/security/key-share.test.ts), as a caller's and a callee's hello keys.
const alice: KeyShare = {privateKey: b64url('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'), publicKey: b64url('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a')}
const bob: KeyShare = {privateKey: b64url('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'), publicKey: b64url('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f')}

function transcript(caller: KeyShare, callee: KeyShare) {
  const hello = (role: 'caller' | 'callee', share: KeyShare) => encodeSignalHello({role, key: Buffer.from(share.publicKey, 'base64url')})
  return {callerShare: caller.publicKey, calleeShare: callee.publicKey, hellos: Buffer.concat([hello('caller', caller), hello('callee', callee)])}
}

describe('the signalling connection\'s key and channel', () => {
  it('are the same on both sides, pinned for the RFC 7748 keys', () => {
    const keys = signallingKeys(alice, transcript(alice, bob), 'caller')
    expect(signallingKeys(bob, transcript(alice, bob), 'callee')).toEqual(keys)
    // Computed independently (Python hashlib/hmac): HKDF-SHA256(shared, salt "ivc signalling key salt v1",
    // info "ivc signalling 6 key" NUL ‖ both hellos), and SHA-256("ivc signalling 6 channel" NUL ‖ both hellos).
    expect(keys).toEqual({key: '632f72a049c0e891ba6f5b6c7235fc9acac8e1812e9596f46bdd78f2a3640090', channel: '6039e03d48b3885020493b1e05b385a310def2ad637d11fac37651baabc9c6ca'})
  })

  it('differ for every other pair of hellos: a relay that runs the hello with each side makes two channels', () => {
    const relay = newKeyShare()
    const withAlice = signallingKeys(alice, transcript(alice, relay), 'caller')
    const withBob = signallingKeys(bob, transcript(relay, bob), 'callee')
    expect(withAlice.channel).not.toBe(withBob.channel)
    expect(withAlice.key).not.toBe(withBob.key)
  })

  it('take the role as given, and refuse a reflected, low-order or malformed share', () => {
    expect(() => signallingKeys(alice, transcript(alice, bob), 'callee')).toThrow('the transcript\'s callee share is not ours')
    expect(() => signallingKeys(alice, transcript(alice, alice), 'caller')).toThrow('the peer\'s key share is our own')
    const zero: KeyShare = {publicKey: b64url('00'.repeat(32)), privateKey: alice.privateKey}
    expect(() => signallingKeys(alice, transcript(alice, zero), 'caller')).toThrow(RangeError)
    expect(() => signallingKeys(alice, {...transcript(alice, bob), calleeShare: 'short'}, 'caller')).toThrow('a key share is not 43 base64url characters')
  })
})
