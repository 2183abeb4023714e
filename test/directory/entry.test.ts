import {describe, expect, it} from 'vitest'

import {checkAddressAndPorts, fromDocument, fromRedisHash, parseEntry} from '../../src/directory/entry.js'
import {testIdentity} from '../support/identities.js'

const publicKey = testIdentity('alice').publicKey
const good = {name: 'alice', address: '10.0.0.5', ports: {call: 7000}, status: 'online', since: 1, lastSeen: 2, version: '0.1.0', publicKey, signedAt: 1, signed: 'SVZDRQ'}

describe('directory entries', () => {
  it('accepts a well-formed entry and IPv6 or host-name addresses', () => {
    expect(parseEntry(good)).toEqual({ok: true, entry: good})
    expect(parseEntry({...good, address: 'fe80::1%eth0'}).ok).toBe(true)
    expect(parseEntry({...good, address: 'peer-1.example.org'}).ok).toBe(true)
  })

  it.each([
    [{...good, name: 'bad name'}, 'name: not a valid username'],
    [{...good, address: ''}, 'address'],
    [{...good, ports: {call: 0}}, 'ports.call'],
    [{...good, ports: {call: 1.5}}, 'ports.call'],
    [{...good, status: 'away'}, 'status'],
    [{...good, lastSeen: -1}, 'lastSeen'],
    [{...good, since: 'yesterday'}, 'since'],
    [{...good, version: 'v'.repeat(65)}, 'version'],
    [{...good, publicKey: 5}, 'publicKey'],
    [{...good, publicKey: null}, 'publicKey'],
    [{...good, signedAt: -1}, 'signedAt'],
    [{...good, signed: 'not base64url!'}, 'signed'],
    [{...good, signed: 'A'.repeat(2000)}, 'signed'],
    [null, 'entry'],
  ])('rejects %j with the field that is wrong', (raw, field) => {
    const parsed = parseEntry(raw)
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) expect(parsed.reason.startsWith(field)).toBe(true)
  })

  it('decodes Redis hash strings, leaving garbage for the schema to refuse', () => {
    const hash = {name: 'alice', address: '10.0.0.5', ports: '{"call":7000}', status: 'online', since: '1', lastSeen: '2', version: '0.1.0', publicKey, signedAt: '1', signed: 'SVZDRQ', session: 'x'}
    expect(parseEntry(fromRedisHash(hash))).toEqual({ok: true, entry: good})
    expect(parseEntry(fromRedisHash({...hash, lastSeen: ''})).ok).toBe(false)
    expect(parseEntry(fromRedisHash({...hash, ports: '{nope'})).ok).toBe(false)
  })

  it('picks the entry fields out of a MongoDB document', () => {
    expect(fromDocument({...good, _id: 'x', session: 's', expiresAt: new Date()})).toEqual(good)
  })

  it('checks a registration\'s address and ports', () => {
    expect(checkAddressAndPorts('10.0.0.5', {call: 7000, video: 7001})).toBeUndefined()
    expect(checkAddressAndPorts('a b', {})).toMatch(/^address: /)
    expect(checkAddressAndPorts('10.0.0.5', {Call: 7000})).toMatch(/^ports/)
  })
})
