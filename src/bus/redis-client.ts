import {Redis, type RedisOptions} from 'ioredis'

import {type Clock, realClock} from '../foundation/clock.js'
import {IvcError} from '../foundation/errors.js'
import type {Logger} from '../foundation/logger.js'
import {type OutageLine, RedisOutage} from './outage.js'
import {describeRedis, parseRedisUrl} from './redis-url.js'

/**
 * Opens one ioredis connection. The first connect fails fast with REDIS_UNREACHABLE (no endless retry on a typo);
 * once connected, a dropped connection is retried with capped backoff and commands fail instead of queueing. Its
 * outages are reported with every other connection of this process to the same Redis (reportOutages). `name` says
 * which connection it is in debug lines (e.g. "bus call", "directory").
 */
export async function openRedis(url: string, logger: Logger, connectTimeoutMs = 2000, name = 'redis'): Promise<Redis> {
  const options: RedisOptions = parseRedisUrl(url)
  const redis = new Redis({
    ...options,
    lazyConnect: true,
    connectTimeout: connectTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  })
  let lastError: Error | undefined
  const onConnectError = (error: Error) => {
    lastError = error
    logger.debug(`redis ${describeRedis(options)}: ${error.message}`)
  }

  redis.on('error', onConnectError)
  try {
    await redis.connect()
  } catch (error) {
    // A connection that failed has ended already: ioredis's disconnect() would then arm a 2 s timer for a stream
    // that has closed, which nothing clears, and every process that could not reach Redis lingered 2 s before exiting.
    if (redis.status !== 'end') redis.disconnect()
    const reason = (lastError ?? (error as Error)).message
    throw new IvcError('REDIS_UNREACHABLE', `cannot reach Redis at ${describeRedis(options)}: ${reason}`, {cause: error})
  }

  redis.off('error', onConnectError)
  redis.options.retryStrategy = (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000)
  reportOutages(redis, name, logger)
  return redis
}

/** One RedisOutage per Redis server this process talks to: its connections' losses add up to one outage. */
const outages = new Map<string, RedisOutage>()

/**
 * Log `redis`'s losses and recoveries as part of the one outage of its server in this process (outage.ts): a line
 * when the first connection goes, one when the last is back, retries and errors in debug. Also for connections made
 * from it with duplicate() (subscribers), which inherit its retry but not its listeners.
 */
export function reportOutages(redis: Redis, name: string, logger: Logger, clock: Clock = realClock): void {
  const where = describeRedis(redis.options)
  let outage = outages.get(where)
  if (!outage) {
    outage = new RedisOutage(where, clock)
    outages.set(where, outage)
  }

  const connection = `${name} #${++connections}`
  const log = (line: OutageLine | undefined) => line && logger[line.level](line.message)
  let lastError: string | undefined
  redis.on('error', (error: Error) => {
    lastError = error.message
    logger.debug(`redis ${where} (${connection}): ${error.message}`)
  })
  redis.on('reconnecting', (delayMs: number) => {
    log(outage.lost(connection, lastError))
    log(outage.retrying(connection, delayMs, (redis as unknown as {retryAttempts?: number}).retryAttempts ?? 0))
  })
  redis.on('ready', () => {
    lastError = undefined
    log(outage.back(connection))
  })
  redis.on('end', () => outage.forget(connection))
}

let connections = 0
