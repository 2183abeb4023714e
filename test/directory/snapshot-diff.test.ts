import {describe, expect, it} from 'vitest'

import {diffSnapshots, toSnapshot} from '../../src/directory/snapshot-diff.js'
import type {DirectoryEntry} from '../../src/directory/types.js'

const entry = (name: string, overrides: Partial<DirectoryEntry> = {}): DirectoryEntry => ({
  name, address: '10.0.0.5', ports: {call: 7000}, status: 'online', since: 1, lastSeen: 1, version: '0.1.0', publicKey: 'A'.repeat(43), signedAt: 1, ...overrides,
})
const brief = (changes: ReturnType<typeof diffSnapshots>) => changes.map(({name, status, previous}) => [name, previous, status])

describe('snapshot diff', () => {
  it('reports arrivals, status changes, moves and departures, by name', () => {
    const before = toSnapshot([entry('alice'), entry('bob'), entry('carol'), entry('dave')])
    const after = toSnapshot([entry('alice', {status: 'in-call'}), entry('bob', {lastSeen: 99}), entry('carol', {ports: {call: 7001}}), entry('erin')])
    expect(brief(diffSnapshots(before, after, 5))).toEqual([
      ['alice', 'online', 'in-call'],
      ['carol', 'online', 'online'],
      ['dave', 'online', 'offline'],
      ['erin', null, 'online'],
    ])
  })

  it('ignores a heartbeat, a new offline entry, and an offline entry that disappears', () => {
    const before = toSnapshot([entry('alice'), entry('bob', {status: 'offline'})])
    const after = toSnapshot([entry('alice', {lastSeen: 2}), entry('zed', {status: 'offline'})])
    expect(diffSnapshots(before, after, 5)).toEqual([])
  })

  it('carries the entry, or null once it is gone, and the time seen', () => {
    const [gone] = diffSnapshots(toSnapshot([entry('dave')]), new Map(), 42)
    expect(gone).toEqual({name: 'dave', status: 'offline', previous: 'online', entry: null, at: 42})
  })
})
