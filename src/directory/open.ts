import type {Clock} from '../foundation/clock.js'
import {IvcError} from '../foundation/errors.js'
import type {Logger} from '../foundation/logger.js'
import {checkTiming, DEFAULT_RETENTION_MS} from './expiry.js'
import type {Directory, DirectoryTiming} from './types.js'

export interface OpenDirectoryOptions extends Partial<DirectoryTiming> {
  /** `redis` (the local Redis), a redis:// or unix:// URL, or a mongodb:// / mongodb+srv:// URL. */
  directory: string
  /** The local Redis (--redis), used when `directory` is `redis`. */
  redis: string
  logger: Logger
  /** Default realClock. */
  clock?: Clock
  connectTimeoutMs?: number
}

export type DirectorySpec = {backend: 'redis'; url: string} | {backend: 'mongodb'; url: string}

/** Which backend a --directory value names. */
export function parseDirectorySpec(directory: string, localRedis: string): DirectorySpec {
  const value = directory.trim()
  if (value === '' || value === 'redis') return {backend: 'redis', url: localRedis}
  if (/^mongodb(\+srv)?:\/\//.test(value)) return {backend: 'mongodb', url: value}
  if (/^(redis|unix):\/\//.test(value) || value.startsWith('/')) return {backend: 'redis', url: value}
  throw new IvcError('BAD_USAGE', `--directory "${value.slice(0, 80)}" is neither "redis" nor a mongodb:// URL`, {
    suggestion: 'Use --directory redis (the local Redis, the default) or --directory mongodb://host:27017/ivc.',
  })
}

/**
 * Open the directory a command was pointed at. The MongoDB driver is loaded only when a MongoDB URL is given, so
 * commands on the Redis default start fast. Unreachable at start is DIRECTORY_UNREACHABLE, in one line.
 */
export async function openDirectory(options: OpenDirectoryOptions): Promise<Directory> {
  const spec = parseDirectorySpec(options.directory, options.redis)
  const timing = checkTiming({
    heartbeatMs: options.heartbeatMs ?? 5000,
    expiryMs: options.expiryMs ?? 15_000,
    retentionMs: options.retentionMs ?? DEFAULT_RETENTION_MS,
  })
  const common = {...timing, logger: options.logger, clock: options.clock, connectTimeoutMs: options.connectTimeoutMs}
  if (spec.backend === 'mongodb') {
    const {MongoDirectory} = await import('./mongo-directory.js')
    return MongoDirectory.open({...common, url: spec.url})
  }

  const {RedisDirectory} = await import('./redis-directory.js')
  return RedisDirectory.open({...common, redis: spec.url})
}
