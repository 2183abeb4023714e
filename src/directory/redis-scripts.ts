/**
 * The Redis directory's writes, each one Lua script so that check-and-set is atomic (two `ivc presence` racing for
 * one name cannot both win). They mirror src/directory/expiry.ts: live = status ~= offline and now - lastSeen < expiry.
 * `now` comes from the caller's clock so tests can inject one. Each script publishes its change on the changes channel.
 */

/**
 * KEYS: user hash, names set. ARGV: name, address, now, expiryMs, retentionMs, session, ports, status, version,
 * publicKey, channel, signedAt, signed. A name is bound to the key of the entry that holds it, online or not: a claim
 * under another key is refused ('key') for as long as the entry is kept.
 */
export const REGISTER = `
local held = redis.call('HMGET', KEYS[1], 'address', 'status', 'lastSeen', 'publicKey')
if held[4] and held[4] ~= ARGV[10] then
  return {'key', held[4]}
end
local now = tonumber(ARGV[3])
local lastSeen = tonumber(held[3])
if held[1] and held[2] ~= 'offline' and lastSeen and now - lastSeen < tonumber(ARGV[4]) and held[1] ~= ARGV[2] then
  return {'taken', held[1]}
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'name', ARGV[1], 'address', ARGV[2], 'ports', ARGV[7], 'status', ARGV[8], 'since', ARGV[3],
  'lastSeen', ARGV[3], 'version', ARGV[9], 'publicKey', ARGV[10], 'session', ARGV[6], 'signedAt', ARGV[12], 'signed', ARGV[13])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('PUBLISH', ARGV[11], cjson.encode({name = ARGV[1], status = ARGV[8]}))
return {'ok'}
`

/** KEYS: user hash. ARGV: session, now, expiryMs, retentionMs, status ('' keeps it), channel, name, publicKey. */
export const HEARTBEAT = `
local held = redis.call('HMGET', KEYS[1], 'session', 'status', 'lastSeen', 'publicKey')
if not held[1] then return 'missing' end
if held[1] ~= ARGV[1] or held[4] ~= ARGV[8] then return 'taken' end
local now = tonumber(ARGV[2])
local status = held[2]
if ARGV[5] ~= '' then status = ARGV[5] end
local lastSeen = tonumber(held[3])
local expired = held[2] == 'offline' or not lastSeen or now - lastSeen >= tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'lastSeen', ARGV[2])
if expired or status ~= held[2] then
  redis.call('HSET', KEYS[1], 'status', status, 'since', ARGV[2])
  redis.call('PUBLISH', ARGV[6], cjson.encode({name = ARGV[7], status = status}))
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 'ok'
`

/** KEYS: user hash. ARGV: session, now, channel, name. */
export const GO_OFFLINE = `
local session = redis.call('HGET', KEYS[1], 'session')
if not session then return 'missing' end
if session ~= ARGV[1] then return 'taken' end
redis.call('HSET', KEYS[1], 'status', 'offline', 'since', ARGV[2])
redis.call('PUBLISH', ARGV[3], cjson.encode({name = ARGV[4], status = 'offline'}))
return 'ok'
`
