import {IvcError} from '../foundation/errors.js'
import type {DirectoryEntry, DirectoryTiming, PresenceStatus} from './types.js'

/**
 * The pure rules of presence: when an entry counts as online, and when a name may be claimed. Every function takes
 * `now` instead of reading a clock, so tests run hours of behaviour without sleeping. The backends apply the same
 * rules atomically in the store (a Lua script, a findOneAndUpdate filter); the contract tests hold them to this file.
 */
export const DEFAULT_HEARTBEAT_MS = 5000
export const DEFAULT_EXPIRY_MS = 15_000
export const DEFAULT_RETENTION_MS = 24 * 60 * 60 * 1000

export function defaultTiming(overrides: Partial<DirectoryTiming> = {}): DirectoryTiming {
  return checkTiming({heartbeatMs: DEFAULT_HEARTBEAT_MS, expiryMs: DEFAULT_EXPIRY_MS, retentionMs: DEFAULT_RETENTION_MS, ...overrides})
}

/** An expiry window no longer than one heartbeat would flap every beat; refuse it up front. */
export function checkTiming(timing: DirectoryTiming): DirectoryTiming {
  const {heartbeatMs, expiryMs, retentionMs} = timing
  if (!Number.isInteger(heartbeatMs) || heartbeatMs < 10) throw badTiming(`heartbeat of ${heartbeatMs} ms is too short (minimum 10 ms)`)
  if (!Number.isInteger(expiryMs) || expiryMs <= heartbeatMs) {
    throw badTiming(`expiry of ${expiryMs} ms must be longer than the heartbeat of ${heartbeatMs} ms (3x is usual)`)
  }

  if (!Number.isInteger(retentionMs) || retentionMs < expiryMs) throw badTiming(`retention of ${retentionMs} ms must be at least the expiry of ${expiryMs} ms`)
  return timing
}

/** Online means: not marked offline, and a heartbeat seen within the expiry window. */
export function isLive(entry: Pick<DirectoryEntry, 'status' | 'lastSeen'>, now: number, expiryMs: number): boolean {
  return entry.status !== 'offline' && now - entry.lastSeen < expiryMs
}

export function effectiveStatus(entry: Pick<DirectoryEntry, 'status' | 'lastSeen'>, now: number, expiryMs: number): PresenceStatus {
  return isLive(entry, now, expiryMs) ? entry.status : 'offline'
}

/** The entry as a reader should see it: an expired one reads as offline since the moment it expired. */
export function asSeenAt(entry: DirectoryEntry, now: number, expiryMs: number): DirectoryEntry {
  if (isLive(entry, now, expiryMs) || entry.status === 'offline') return entry
  return {...entry, status: 'offline', since: entry.lastSeen + expiryMs}
}

export type ClaimDecision = 'free' | 'same-address' | 'taken'

/**
 * May `address` register `name` now? Free when nobody holds it live; the same address may take it over (a restart
 * on the same host); anyone else is refused until the holder goes offline or expires.
 */
export function claimDecision(holder: Pick<DirectoryEntry, 'address' | 'status' | 'lastSeen'> | undefined, address: string, now: number, expiryMs: number): ClaimDecision {
  if (!holder || !isLive(holder, now, expiryMs)) return 'free'
  return holder.address === address ? 'same-address' : 'taken'
}

/** Whether a heartbeat revives an entry that had already expired (its `since` restarts then). */
export function revives(entry: Pick<DirectoryEntry, 'status' | 'lastSeen'>, now: number, expiryMs: number): boolean {
  return !isLive(entry, now, expiryMs)
}

function badTiming(message: string): IvcError {
  return new IvcError('BAD_USAGE', message, {suggestion: 'Use the defaults (--heartbeat-ms 5000 --expiry-ms 15000), or an expiry about 3x the heartbeat.'})
}
