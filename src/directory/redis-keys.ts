/**
 * Every Redis key and channel of the Redis directory. They live outside the per-user bus namespace (`ivc:<user>:*`,
 * src/bus/keys.ts) because the directory is shared by all users of that Redis. The bus uses the third segment for
 * events/cmd/reply/state/alive, the directory for user/names/changes, so even a user called "directory" cannot collide.
 */
export const DEFAULT_DIRECTORY_PREFIX = 'ivc:directory'

export const directoryKeys = (prefix = DEFAULT_DIRECTORY_PREFIX) => ({
  /** hash, TTL = retention: one entry (name, address, ports JSON, status, since, lastSeen, version, publicKey JSON, session). */
  user: (name: string) => `${prefix}:user:${name}`,
  /** set: every registered name, so listing never SCANs the keyspace; names whose hash expired are pruned on read. */
  names: `${prefix}:names`,
  /** pub/sub: `{"name","status"}` whenever an entry is registered, changes status or goes offline. */
  changes: `${prefix}:changes`,
})
