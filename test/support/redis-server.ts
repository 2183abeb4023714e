import {spawnSync} from 'node:child_process'

import {type PrivateRedis, startPrivateRedis} from '../../src/bus/private-redis.js'

export const REDIS_INSTALL_HINT = 'redis-server is not installed: run `sudo apt-get install -y redis-server` (or `bash .ci/run`)'

export type RedisServer = PrivateRedis

/** A private redis-server for tests; a missing redis-server fails loudly with the install hint. */
export async function startRedisServer(extraArgs: string[] = [], dir?: string): Promise<RedisServer> {
  if (spawnSync('redis-server', ['--version']).error) throw new Error(REDIS_INSTALL_HINT)
  return startPrivateRedis(extraArgs, dir)
}
