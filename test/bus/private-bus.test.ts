import {execFileSync, spawnSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {chmodSync, statSync} from 'node:fs'
import {dirname} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type RedisServer, startRedisServer} from '../support/redis-server.js'

/**
 * The private bus (src/bus/private-redis.ts, what `ivc demo` starts and the tests use) is its user's alone: another
 * local Unix user cannot connect to it. Creating that user needs root; the tests run as root in CI.
 */
const root = process.getuid?.() === 0
const probe = `ivcprobe${randomBytes(3).toString('hex')}`

/** `redis-cli PING` on the socket as `user`: PONG, or redis-cli's error (e.g. "Permission denied"). */
function pingAs(user: string, socket: string): string {
  const result = spawnSync('runuser', ['-u', user, '--', 'redis-cli', '-s', socket, 'ping'], {encoding: 'utf8', timeout: 10_000})
  return `${result.stdout}${result.stderr}`.trim()
}

describe.skipIf(!root)('the private bus, against another local user (needs root to create one)', () => {
  let redis: RedisServer
  beforeAll(async () => {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', probe])
    redis = await startRedisServer()
  })
  afterAll(async () => {
    await redis?.stop()
    spawnSync('userdel', [probe])
  })

  it('has no TCP port, and its socket (0700) sits in a directory only its owner may enter (0700)', () => {
    expect(execFileSync('redis-cli', ['-s', redis.socket, 'config', 'get', 'port'], {encoding: 'utf8'}).split('\n')[1]).toBe('0')
    expect(statSync(dirname(redis.socket)).mode & 0o777).toBe(0o700)
    expect(statSync(redis.socket).mode & 0o777).toBe(0o700)
  })

  it('refuses another user, by either lock alone; with both open that user gets through (so the probe works)', () => {
    const dir = dirname(redis.socket)
    expect(pingAs(probe, redis.socket)).toContain('Permission denied')
    try {
      // The directory lock alone: the socket open to all, the directory still 0700.
      chmodSync(redis.socket, 0o777)
      expect(pingAs(probe, redis.socket)).toContain('Permission denied')
      // The socket lock alone: the directory open to all, the socket 0700 again.
      chmodSync(redis.socket, 0o700)
      chmodSync(dir, 0o755)
      expect(pingAs(probe, redis.socket)).toContain('Permission denied')
      // Both open: the same probe connects, so the refusals above came from the permissions.
      chmodSync(redis.socket, 0o777)
      expect(pingAs(probe, redis.socket)).toBe('PONG')
    } finally {
      chmodSync(redis.socket, 0o700)
      chmodSync(dir, 0o700)
    }
  })
})
