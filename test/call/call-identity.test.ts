import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {judgeInvite, signInvite} from '../../src/call/call-identity.js'
import {KnownPeers, knownPeersTrust} from '../../src/security/known-peers.js'
import {testIdentity} from '../support/identities.js'

/** The callee's judgement of an invite (docs/protocol.md, "Authenticated calls"): the key, the fields, the channel. */
const alice = testIdentity('alice')
const CHANNEL = 'c'.repeat(64)
const fields = {callId: 'c0ffee00c0ffee00', from: 'alice', to: 'bob', address: '10.0.0.5', keyShare: 'jIHekjtRmTbjesJHRuXEiJmN6wMnwmbzqrFtirb433Y', media: {}}
const invite = {type: 'invite' as const, ...fields, ...signInvite(alice, {...fields, channel: CHANNEL})}
const trust = () => knownPeersTrust(new KnownPeers(mkdtempSync(join(tmpdir(), 'ivc-judge-')), 'bob'), {trustOnFirstUse: true})

describe('judging an invite', () => {
  it('takes an invite signed by the key it names over the connection it came on', () => {
    expect(judgeInvite(invite, CHANNEL, trust())).toEqual({ok: true, channel: CHANNEL})
  })

  it('refuses one that came on another connection (a relay passing it on), or was changed on the way', () => {
    for (const [label, changed, channel] of [['another channel', invite, 'd'.repeat(64)], ['another address', {...invite, address: '10.6.6.6'}, CHANNEL], ['another key share', {...invite, keyShare: 'A'.repeat(43)}, CHANNEL]] as const) {
      expect(judgeInvite(changed, channel, trust()), label).toMatchObject({ok: false, code: 'auth-failed', reason: expect.stringContaining('is not signed by the key it names (SHA256:')})
    }
  })

  it('refuses a key other than the one pinned for the caller as identity-changed', () => {
    const pinned = trust()
    pinned.pin('alice', testIdentity('not alice').publicKey)
    expect(judgeInvite(invite, CHANNEL, pinned)).toMatchObject({ok: false, code: 'identity-changed'})
  })
})
