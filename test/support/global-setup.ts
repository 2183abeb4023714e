import {chmodSync, existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {TestProject} from 'vitest/node'

import {startRedisServer} from './redis-server.js'

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string
  }
}

/**
 * One real redis-server for the whole run; tests isolate themselves by using distinct user names. And one temporary
 * directory for the whole run, as TMPDIR, which the test workers and every process they start inherit: the config
 * directories, recordings and sockets tests make under `tmpdir()` go there, and it is removed at the end (a run used to
 * leave ~900 directories in /tmp).
 */
export default async function setup(project: TestProject) {
  if (!existsSync(new URL('../../dist/commands', import.meta.url))) {
    throw new Error('dist/ is missing: the tests run the built CLI, so run `npm test` (it builds first) or `npm run build`')
  }

  const runDir = mkdtempSync(join(tmpdir(), 'ivc-tests-'))
  // As /tmp is: tests that check what another user may reach (a private Redis's socket) need the way there open.
  chmodSync(runDir, 0o1777)
  process.env.TMPDIR = runDir
  const redis = await startRedisServer()
  project.provide('redisUrl', redis.url)
  return async () => {
    await redis.stop()
    rmSync(runDir, {recursive: true, force: true})
  }
}
