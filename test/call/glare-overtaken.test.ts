import {describe, expect, it} from 'vitest'

import {reduceCall} from '../../src/call/state-machine.js'
import type {CallState} from '../../src/call/types.js'

const config = {user: 'bob', answerTimeoutMs: 30_000, teardownTimeoutMs: 3000}
const media = {}
// The driver found it signed and its key the pinned one (`identity`); this test is about what the reducer does next.
const invite = (from: string) => ({type: 'signal', conn: 'c9', message: {type: 'invite', callId: 'alice-call-0001', from, to: 'bob', address: '10.0.0.1', keyShare: 'A'.repeat(43), identityKey: 'B'.repeat(43), media, signature: 'C'.repeat(86)}, identity: {ok: true, channel: 'c'.repeat(64)}}) as const

/** bob's call to alice just ended because alice won glare, and her reject overtook her invite. */
function afterGlare(endedAt: number): CallState {
  return {kind: 'listening', config, lastEnd: {callId: 'bob-call-00001', peer: 'alice', role: 'caller', code: 'glare', reason: 'glare', endedAt, durationMs: 0}}
}

describe('glare when the winner\'s reject arrives before its invite', () => {
  it('marks the invite that follows from the same peer as the glare call, to be answered at once', () => {
    const step = reduceCall(afterGlare(1000), invite('alice'), 1500)
    expect(step.state).toMatchObject({kind: 'incoming', call: {peer: 'alice', glare: true}})
    expect(step.effects).toContainEqual(expect.objectContaining({type: 'emit', event: 'call.incoming', body: expect.objectContaining({glare: true})}))
  })

  it('treats other peers, and the same peer much later, as ordinary calls', () => {
    expect(reduceCall(afterGlare(1000), invite('carol'), 1500).state).toMatchObject({kind: 'incoming', call: {glare: false}})
    expect(reduceCall(afterGlare(1000), invite('alice'), 60_000).state).toMatchObject({kind: 'incoming', call: {glare: false}})
  })
})
