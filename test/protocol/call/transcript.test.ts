import {describe, expect, it} from 'vitest'

import type {SignalOf} from '../../../src/protocol/call/signalling.js'
import {acceptTranscript, inviteTranscript, proofTranscript} from '../../../src/protocol/call/transcript.js'
import {verifySignature} from '../../../src/security/identity.js'
import {ALICE_KEY, BOB_KEY, CHANNEL, PROOF_SIGNATURE, signalFixtures} from './fixtures.js'

const invite = {...(signalFixtures.find((fixture) => fixture.name === 'invite')!.message as SignalOf<'invite'>), channel: CHANNEL}
const accept = signalFixtures.find((fixture) => fixture.name === 'accept')!.message as SignalOf<'accept'>

describe('call set-up transcripts', () => {
  it('are pinned: a label, the channel, then the fields as a JSON array, the offer in schema order', () => {
    const text = inviteTranscript(invite).toString('utf8')
    expect(proofTranscript(CHANNEL).toString('utf8')).toBe(`ivc signalling 6 proof\0${CHANNEL}`)
    expect(text.startsWith(`ivc signalling 6 invite\0${CHANNEL}\0["c0ffee00c0ffee00","alice","bob","10.0.0.5","${invite.keyShare}","${ALICE_KEY}",{"video":{"formats":["mjpeg","raw"]`)).toBe(true)
    expect(acceptTranscript(invite, accept).toString('utf8')).toMatch(new RegExp(`^ivc signalling 6 accept\\0[0-9a-f]{64}\\0\\["c0ffee00c0ffee00","${accept.keyShare}","${BOB_KEY}",40013,`))
  })

  it('are what the golden proof, invite and accept are signed over, by bob, alice and bob', () => {
    expect(verifySignature(BOB_KEY, proofTranscript(CHANNEL), PROOF_SIGNATURE)).toBe(true)
    expect(verifySignature(ALICE_KEY, inviteTranscript(invite), invite.signature)).toBe(true)
    expect(verifySignature(BOB_KEY, acceptTranscript(invite, accept), accept.signature)).toBe(true)
  })

  it('change with every field a relay could rewrite, so the signatures no longer verify', () => {
    const share = 'A'.repeat(43)
    // A relay that ran the hello with each side itself: the callee sees another channel than the caller signed.
    expect(verifySignature(BOB_KEY, proofTranscript('0'.repeat(64)), PROOF_SIGNATURE)).toBe(false)
    const invites = [{...invite, channel: '0'.repeat(64)}, {...invite, address: '10.6.6.6'}, {...invite, keyShare: share}, {...invite, to: 'carol'}, {...invite, media: {audio: invite.media.audio}}, {...invite, callId: 'c0ffee00c0ffee01'}]
    for (const changed of invites) {
      expect(verifySignature(ALICE_KEY, inviteTranscript(changed), invite.signature)).toBe(false)
      // The accept covers the invite it answers: the same accept over a changed invite fails too.
      expect(verifySignature(BOB_KEY, acceptTranscript(changed, accept), accept.signature)).toBe(false)
    }

    for (const changed of [{...accept, keyShare: share}, {...accept, controlPort: 40_014}, {...accept, media: {}}, {...accept, media: {audio: {...accept.media.audio!, toCaller: 'opus'}}}]) {
      expect(verifySignature(BOB_KEY, acceptTranscript(invite, changed), accept.signature)).toBe(false)
    }
  })
})
