import {spawnSync} from 'node:child_process'

import {type PrivateRedis, REDIS_INSTALL_HINT, startPrivateRedis} from '../../src/bus/private-redis.js'

export type RedisServer = PrivateRedis

/** A private redis-server for tests; a missing redis-server fails loudly with the install hint. */
export async function startRedisServer(extraArgs: string[] = [], dir?: string): Promise<RedisServer> {
  if (spawnSync('redis-server', ['--version']).error) throw new Error(`redis-server is not installed: run \`${REDIS_INSTALL_HINT}\` (or \`bash .ci/run\`)`)
  return startPrivateRedis(extraArgs, dir)
}
