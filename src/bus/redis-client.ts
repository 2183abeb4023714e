import {Redis, type RedisOptions} from 'ioredis'

import {IvcError} from '../foundation/errors.js'
import type {Logger} from '../foundation/logger.js'
import {describeRedis, parseRedisUrl} from './redis-url.js'

/**
 * Opens one ioredis connection. The first connect fails fast with REDIS_UNREACHABLE (no endless retry on a typo);
 * once connected, a dropped connection is retried with capped backoff and commands fail instead of queueing.
 */
export async function openRedis(url: string, logger: Logger, connectTimeoutMs = 2000): Promise<Redis> {
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
  redis.on('error', (error: Error) => {
    lastError = error
    logger.debug(`redis ${describeRedis(options)}: ${error.message}`)
  })
  try {
    await redis.connect()
  } catch (error) {
    redis.disconnect()
    const reason = (lastError ?? (error as Error)).message
    throw new IvcError('REDIS_UNREACHABLE', `cannot reach Redis at ${describeRedis(options)}: ${reason}`, {cause: error})
  }

  redis.options.retryStrategy = (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000)
  redis.on('reconnecting', () => logger.warn(`redis ${describeRedis(options)}: connection lost, reconnecting`))
  return redis
}
