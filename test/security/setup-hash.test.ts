import {describe, expect, it} from 'vitest'

import {canonicalJson, messageHash, setupHash} from '../../src/security/setup-hash.js'

const invite = {type: 'invite', callId: 'c0ffee00c0ffee00', from: 'alice', to: 'bob', address: '10.0.0.1', keyShare: 'K1', media: {video: {port: 5000, format: 'mjpeg'}}}
const accept = {type: 'accept', callId: 'c0ffee00c0ffee00', keyShare: 'K2', controlPort: 5001, media: {}}

describe('the set-up hash', () => {
  it('is pinned: SHA-256 of canonical JSON per message, then of "ivc set-up v1" NUL ‖ invite hash ‖ accept hash', () => {
    // Computed independently (Python: json.dumps(sort_keys=True, separators=(",", ":")), hashlib.sha256).
    expect(messageHash(invite)).toBe('c82851b57af66f4a39ef7c508f233fe16ca604370947c2b179c36bd79f217082')
    expect(messageHash(accept)).toBe('5debb0fc24023221d60d43e05204348b21695b883e24d749b56f2d5e788b66c1')
    expect(setupHash(messageHash(invite), messageHash(accept))).toBe('8aa31597bb5132e53ac93ed049e4cb867ed3a62c954693f9540f28946f5697b0')
  })

  it('does not depend on key order, and changes with any field: a stream stripped, a port or an address rewritten', () => {
    expect(canonicalJson({b: 1, a: {d: [2, {f: 1, e: 0}], c: undefined}})).toBe('{"a":{"d":[2,{"e":0,"f":1}]},"b":1}')
    const reordered = {media: invite.media, keyShare: 'K1', address: '10.0.0.1', to: 'bob', from: 'alice', callId: 'c0ffee00c0ffee00', type: 'invite'}
    expect(messageHash(reordered)).toBe(messageHash(invite))
    const pinned = setupHash(messageHash(invite), messageHash(accept))
    const changed = [
      setupHash(messageHash({...invite, media: {}}), messageHash(accept)),
      setupHash(messageHash({...invite, media: {video: {port: 5002, format: 'mjpeg'}}}), messageHash(accept)),
      setupHash(messageHash({...invite, address: '10.0.0.9'}), messageHash(accept)),
      setupHash(messageHash(invite), messageHash({...accept, controlPort: 5009})),
      setupHash(messageHash(accept), messageHash(invite)),
    ]
    expect(new Set([pinned, ...changed]).size).toBe(changed.length + 1)
  })
})
