import {existsSync} from 'node:fs'

import type {TestProject} from 'vitest/node'

import {startRedisServer} from './redis-server.js'

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string
  }
}

/** One real redis-server for the whole run; tests isolate themselves by using distinct user names. */
export default async function setup(project: TestProject) {
  if (!existsSync(new URL('../../dist/commands', import.meta.url))) {
    throw new Error('dist/ is missing: the tests run the built CLI, so run `npm test` (it builds first) or `npm run build`')
  }

  const redis = await startRedisServer()
  project.provide('redisUrl', redis.url)
  return async () => redis.stop()
}
