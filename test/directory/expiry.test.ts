import {describe, expect, it} from 'vitest'

import {asSeenAt, checkTiming, claimDecision, defaultTiming, effectiveStatus, isLive} from '../../src/directory/expiry.js'
import type {DirectoryEntry} from '../../src/directory/types.js'

const T0 = 1_700_000_000_000
const entry = (overrides: Partial<DirectoryEntry> = {}): DirectoryEntry => ({
  name: 'alice', address: '10.0.0.5', ports: {call: 7000}, status: 'online', since: T0, lastSeen: T0, version: '0.1.0', publicKey: 'A'.repeat(43), signedAt: 1, ...overrides,
})

describe('presence expiry', () => {
  it('defaults to a 5 s heartbeat and a 15 s expiry', () => {
    expect(defaultTiming()).toMatchObject({heartbeatMs: 5000, expiryMs: 15_000})
  })

  it('is live strictly inside the expiry window, whatever the live status', () => {
    expect(isLive(entry(), T0 + 14_999, 15_000)).toBe(true)
    expect(isLive(entry(), T0 + 15_000, 15_000)).toBe(false)
    expect(isLive(entry({status: 'in-call'}), T0 + 1, 15_000)).toBe(true)
    expect(isLive(entry({status: 'offline'}), T0, 15_000)).toBe(false)
  })

  it('drops a killed process out on its own: a heartbeat every 5 s keeps it, none for 15 s does not', () => {
    let seen = entry()
    for (let now = T0; now <= T0 + 60_000; now += 5000) {
      expect(effectiveStatus(seen, now, 15_000)).toBe('online')
      seen = {...seen, lastSeen: now}
    }

    const killedAt = seen.lastSeen
    expect(effectiveStatus(seen, killedAt + 10_000, 15_000)).toBe('online')
    expect(effectiveStatus(seen, killedAt + 15_000, 15_000)).toBe('offline')
    expect(asSeenAt(seen, killedAt + 40_000, 15_000)).toMatchObject({status: 'offline', since: killedAt + 15_000})
  })

  it('leaves a live or cleanly offline entry as stored', () => {
    const offline = entry({status: 'offline', since: T0 + 5})
    expect(asSeenAt(offline, T0 + 99_999, 15_000)).toBe(offline)
    const live = entry()
    expect(asSeenAt(live, T0 + 1, 15_000)).toBe(live)
  })

  it('lets a name be claimed when free, by the same address, and by anyone once the holder expired', () => {
    expect(claimDecision(undefined, '10.0.0.9', T0, 15_000)).toBe('free')
    expect(claimDecision(entry(), '10.0.0.9', T0 + 1000, 15_000)).toBe('taken')
    expect(claimDecision(entry(), '10.0.0.5', T0 + 1000, 15_000)).toBe('same-address')
    expect(claimDecision(entry(), '10.0.0.9', T0 + 15_000, 15_000)).toBe('free')
    expect(claimDecision(entry({status: 'offline'}), '10.0.0.9', T0, 15_000)).toBe('free')
  })

  it('refuses timings that would flap or expire before a heartbeat', () => {
    expect(() => checkTiming({heartbeatMs: 5000, expiryMs: 5000, retentionMs: 60_000})).toThrow(/expiry of 5000 ms must be longer than the heartbeat of 5000 ms/)
    expect(() => checkTiming({heartbeatMs: 5, expiryMs: 50, retentionMs: 60_000})).toThrow(/too short/)
    expect(() => checkTiming({heartbeatMs: 100, expiryMs: 300, retentionMs: 200})).toThrow(/retention/)
    expect(checkTiming({heartbeatMs: 100, expiryMs: 300, retentionMs: 300})).toEqual({heartbeatMs: 100, expiryMs: 300, retentionMs: 300})
  })
})
