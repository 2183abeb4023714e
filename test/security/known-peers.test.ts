import {chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {fingerprint} from '../../src/security/identity.js'
import {formatKnownPeers, KnownPeers, knownPeersTrust, parseKnownPeers} from '../../src/security/known-peers.js'
import {testIdentity} from '../support/identities.js'

const [bob, mallory] = [testIdentity('bob').publicKey, testIdentity('mallory').publicKey]
const fresh = () => new KnownPeers(mkdtempSync(join(tmpdir(), 'ivc-known-')), 'alice')

describe('known peers file', () => {
  it('is one line per peer, sorted, and parses back', () => {
    const peers = new Map([['carol', {publicKey: mallory, entrySignedAt: 0, verified: false}], ['bob', {publicKey: bob, entrySignedAt: 1_700_000_000_000, verified: true}]])
    const text = formatKnownPeers(peers)
    expect(text.split('\n').slice(1)).toEqual([`bob ${bob} 1700000000000 verified`, `carol ${mallory} 0`, ''])
    expect(parseKnownPeers(text)).toEqual({ok: true, value: new Map([...peers].reverse())})
  })

  it.each([`bob ${bob}`, `bob ${bob} 1 trusted`, `-bob ${bob} 1`, `bob ${bob.slice(1)} 1`, `bob ${bob} 1 verified extra`, `bob ${bob} 1e3`])('refuses the line %j', (line) => {
    expect(parseKnownPeers(`# comment\n\n${line}\n`)).toEqual({ok: false, reason: 'line 3 is not "NAME KEY NEWEST-ENTRY-MS [verified]"'})
  })

  it('is written 0600, refused when others may change it, and keeps the newest entry time and the verified mark of the same key', () => {
    const peers = fresh()
    peers.set('bob', {publicKey: bob, entrySignedAt: 50})
    peers.set('bob', {publicKey: bob, entrySignedAt: 10, verified: true})
    expect(peers.get('bob')).toEqual({publicKey: bob, entrySignedAt: 50, verified: true})
    expect(peers.set('bob', {publicKey: mallory})).toEqual({publicKey: mallory, entrySignedAt: 0, verified: false})
    expect(statSync(peers.path).mode & 0o777).toBe(0o600)
    chmodSync(peers.path, 0o666)
    expect(() => peers.get('bob')).toThrow('can be changed by other users')
    writeFileSync(peers.path, 'garbage\n', {mode: 0o600})
    chmodSync(peers.path, 0o600)
    expect(() => peers.get('bob')).toThrow('line 1 is not')
  })
})

describe('pinning policy', () => {
  it('trusts a first key (or not), pins it after the call, refuses another key and an older entry', () => {
    const peers = fresh()
    const trust = knownPeersTrust(peers, {trustOnFirstUse: true})
    expect(() => trust.check('bob', bob, 100)).not.toThrow()
    expect(() => knownPeersTrust(peers, {trustOnFirstUse: false}).check('bob', bob)).toThrow(expect.objectContaining({code: 'AUTH_FAILED'}))
    trust.pin('bob', bob, 100)
    expect(readFileSync(peers.path, 'utf8')).toContain(`bob ${bob} 100\n`)
    expect(() => trust.check('bob', mallory, 200)).toThrow(expect.objectContaining({code: 'IDENTITY_CHANGED', message: `the identity key of bob has changed: pinned ${fingerprint(bob)}, now ${fingerprint(mallory)}`}))
    expect(() => trust.check('bob', bob, 99)).toThrow(expect.objectContaining({code: 'AUTH_FAILED', message: expect.stringContaining('a replayed entry')}))
    expect(() => trust.check('bob', bob, 100)).not.toThrow()
    expect(() => knownPeersTrust(peers, {trustOnFirstUse: false}).check('bob', bob)).not.toThrow()
  })
})
