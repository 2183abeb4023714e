import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

export const REDIS_INSTALL_HINT = 'redis-server is not installed: run `sudo apt-get install -y redis-server` (or `bash .ci/run`)'

export interface RedisServer {
  /** unix:///... address for --redis */
  url: string
  socket: string
  process: ChildProcess
  stop(): Promise<void>
}

/** Start a private, throwaway redis-server on a unix socket (no TCP port, no persistence). */
export async function startRedisServer(extraArgs: string[] = [], dir = mkdtempSync(join(tmpdir(), 'ivc-redis-'))): Promise<RedisServer> {
  if (spawnSync('redis-server', ['--version']).error) throw new Error(REDIS_INSTALL_HINT)
  const socket = join(dir, 'redis.sock')
  const child = spawn(
    'redis-server',
    ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs],
    {stdio: ['ignore', 'ignore', 'inherit']},
  )
  const deadline = Date.now() + 10_000
  while (!existsSync(socket)) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode} before it was ready`)
    if (Date.now() > deadline) throw new Error('redis-server did not create its socket within 10 s')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }

  return {
    url: `unix://${socket}`,
    socket,
    process: child,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
      }

      rmSync(dir, {recursive: true, force: true})
    },
  }
}
