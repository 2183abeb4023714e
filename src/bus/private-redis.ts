import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {chmodSync, existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {IvcError} from '../foundation/errors.js'

export const REDIS_INSTALL_HINT = 'sudo apt-get install -y redis-server'

export interface PrivateRedis {
  /** unix:///... address for --redis */
  url: string
  socket: string
  process: ChildProcess
  stop(): Promise<void>
}

/**
 * Starts a throwaway redis-server on a unix socket in a fresh temp dir (no persistence). Used by `ivc demo` when no
 * Redis is running, and by the test harness.
 *
 * It is the user's alone (docs/bus.md, "Who can reach the bus"): whoever reaches a user's bus can drive and read
 * their calls. So no TCP port (any local user could connect to one), and the socket sits in a directory only its
 * owner may enter (0700) and is itself 0700 (connecting to a Unix socket needs write permission on it): two locks,
 * each enough on its own.
 */
export async function startPrivateRedis(extraArgs: string[] = [], dir = mkdtempSync(join(tmpdir(), 'ivc-redis-'))): Promise<PrivateRedis> {
  if (spawnSync('redis-server', ['--version']).error) {
    throw new IvcError('REDIS_UNREACHABLE', 'redis-server is not installed', {suggestion: REDIS_INSTALL_HINT})
  }

  // mkdtemp makes it 0700 already; a directory the caller chose is made so too (this fails unless we own it).
  chmodSync(dir, 0o700)

  const socket = join(dir, 'redis.sock')
  const child = spawn(
    'redis-server',
    ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs],
    {stdio: ['ignore', 'ignore', 'inherit']},
  )
  // Real time, not a Clock (here and below): a start-up deadline for a real redis-server process.
  const deadline = Date.now() + 10_000
  while (!existsSync(socket)) {
    if (child.exitCode !== null) throw new IvcError('REDIS_UNREACHABLE', `redis-server exited with ${child.exitCode} before it was ready`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new IvcError('REDIS_UNREACHABLE', 'redis-server did not create its socket within 10 s')
    }

    await new Promise((resolve) => setTimeout(resolve, 20))
  }

  return {
    url: `unix://${socket}`,
    socket,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
      }

      rmSync(dir, {recursive: true, force: true})
    },
  }
}
