import {describe, expect, it} from 'vitest'

import {peerIdentity} from '../../src/ui/session.js'

describe('the peer\'s identity on the On-call screen, from a call.* reply', () => {
  it('is the fingerprint, the safety number and whether it was compared, once the reply has them', () => {
    const reply = {state: 'in-call', peer: 'bob', peerFingerprint: 'SHA256:abc', safetyNumber: '12345 67890 12345 67890 12345 67890', verified: true}
    expect(peerIdentity(reply)).toEqual({fingerprint: 'SHA256:abc', safetyNumber: '12345 67890 12345 67890 12345 67890', verified: true})
    expect(peerIdentity({...reply, verified: undefined})?.verified).toBe(false)
    // Before the signed set-up is through, there is none to show.
    expect(peerIdentity({state: 'in-call', peer: 'bob'})).toBeUndefined()
    expect(peerIdentity({...reply, safetyNumber: undefined})).toBeUndefined()
  })
})
