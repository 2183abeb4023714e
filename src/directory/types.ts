/**
 * The user directory: who is reachable, at which address and ports, and whether they are online. Two backends
 * implement it (the local Redis, a shared MongoDB); both pass one contract test suite (test/directory/contract.ts).
 */
export const PRESENCE_STATUSES = ['online', 'in-call', 'offline'] as const
export type PresenceStatus = (typeof PRESENCE_STATUSES)[number]
/** The statuses a live process announces; `offline` is only ever set by going offline or by expiry. */
export type LiveStatus = Exclude<PresenceStatus, 'offline'>

export interface DirectoryEntry {
  name: string
  /** Host peers connect to (an IPv4/IPv6 address or a host name). */
  address: string
  /** Listening ports by purpose: `call` for the call listener, others as components add them. */
  ports: Record<string, number>
  /** As read: `offline` when the holder went offline or its last heartbeat is older than the expiry window. */
  status: PresenceStatus
  /** When the status last changed, ms since the epoch. */
  since: number
  /** The holder's last heartbeat, ms since the epoch (the holder's clock). */
  lastSeen: number
  /** The holder's ivc version. */
  version: string
  /** The holder's identity key (Ed25519, 43 base64url characters): the entry is signed by it, and the name is bound to it. */
  publicKey: string
  /** When the holder signed the entry (its clock, ms since the epoch); a reader refuses one older than the newest it saw. */
  signedAt: number
}

/** What signs a registration: the holder's identity (src/security/identity.ts). */
export interface EntrySigner {
  readonly publicKey: string
  sign(data: Uint8Array): string
}

/** What a presence process announces when it registers a name. */
export interface Registration {
  name: string
  address: string
  ports: Record<string, number>
  version: string
  status?: LiveStatus
  /** Signs the entry; the name is bound to its public key (a claim under another key is NAME_TAKEN). */
  identity: EntrySigner
}

/** The result of a heartbeat: refreshed, the entry vanished (directory restarted, retention over), or another process holds the name now. */
export type HeartbeatResult = 'ok' | 'missing' | 'taken'

/** One change seen by `watch()`: a name came online, went in-call, moved, or went offline (cleanly or by expiry). */
export interface DirectoryChange {
  name: string
  status: PresenceStatus
  /** The status before this change; null when the name was not known to this watcher. */
  previous: PresenceStatus | null
  /** The entry as read; null when it is gone from the directory altogether. */
  entry: DirectoryEntry | null
  /** When the watcher saw the change (directory clock). */
  at: number
}

/** A running watch: iterate for changes; close() ends the iteration. */
export interface DirectoryWatch extends AsyncIterable<DirectoryChange> {
  close(): Promise<void>
  /** Changes dropped because the reader fell behind the bounded queue. */
  readonly dropped: number
}

export interface ListOptions {
  /** Only entries whose status is online or in-call (default true). */
  onlineOnly?: boolean
}

export interface Directory {
  /** `redis` or `mongodb`, and where, for messages. */
  readonly kind: string
  readonly description: string
  /**
   * Whether losing and regaining the store is already logged by the directory's own connection (the Redis one: one
   * line each way, src/bus/redis-client.ts), so what fails meanwhile (heartbeats, a watch's reads) is only debug.
   */
  readonly reportsOutages?: boolean
  /**
   * Claim `name` for this process, signed by the registration's identity. Refused with NAME_TAKEN while the entry is
   * bound to another identity key (for as long as it is kept), or while another address holds it online;
   * re-registering from the same address with the same key (a restart on the same host) takes it over.
   */
  register(registration: Registration): Promise<DirectoryEntry>
  /** Refresh a name this directory object registered, optionally changing its live status. */
  heartbeat(name: string, update?: {status?: LiveStatus}): Promise<HeartbeatResult>
  /** Mark a name this directory object registered as offline (kept, so `list --all` still shows it). */
  goOffline(name: string): Promise<void>
  lookup(name: string): Promise<DirectoryEntry | undefined>
  /** Entries sorted by name; malformed stored entries are skipped with a warning, unverified ones (below) skipped too. */
  list(options?: ListOptions): Promise<DirectoryEntry[]>
  /**
   * Entries read and dropped because they did not verify: a signature that fails, fields that differ from the signed
   * ones, or an entry signed earlier than the newest this directory object saw for that name (a replay).
   */
  readonly unverified: number
  /** Start watching; resolves once the watch has its baseline, so nothing after it is missed. */
  watch(options?: {pollMs?: number}): Promise<DirectoryWatch>
  close(): Promise<void>
}

/** Settings every backend shares. */
export interface DirectoryTiming {
  /** How often a presence process heartbeats (default 5 s). */
  heartbeatMs: number
  /** A name is online while its last heartbeat is younger than this (default 15 s). */
  expiryMs: number
  /** How long an offline or expired entry is kept before the store deletes it (default 24 h). */
  retentionMs: number
}
