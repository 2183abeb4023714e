import {rmSync} from 'node:fs'
import {dirname} from 'node:path'

import {afterAll, afterEach, describe, expect, it} from 'vitest'

import {killAll, lineLog, startCli} from '../support/cli.js'
import {type RedisServer, startRedisServer} from '../support/redis-server.js'

/**
 * Issue 14, item 7: a Redis outage is one warning when it starts and one when it ends, for each process, however many
 * connections it has to that Redis and however often they retry (the retries are in debug). Real `ivc listen` and
 * `ivc presence watch` processes against a redis-server of the test's own, stopped and started again.
 */
let redis: RedisServer | undefined
afterEach(killAll)
afterAll(async () => {
  await redis?.stop()
})

const warnings = (lines: string[]) => lines.filter((line) => line.includes('] warn: '))

describe('a Redis outage', () => {
  it('is one line when Redis goes and one when it is back, in ivc listen and in presence watch', async () => {
    redis = await startRedisServer()
    const dir = dirname(redis.socket)
    const fast = ['--redis', redis.url, '--heartbeat-ms', '200', '--expiry-ms', '1000']
    // Debug, so the test can see the retries happen; warnings are what a person sees by default.
    const watch = startCli(['presence', 'watch', '--json', '--log-level', 'debug', ...fast])
    const watchOut = lineLog(watch)
    const watchErr = lineLog(watch, 'stderr')
    await watchErr.waitFor((line) => line.includes('watching the'))
    const listen = startCli(['listen', '--user', 'otto', '--port', '0', '--address', '127.0.0.1', '--json', '--log-level', 'debug', ...fast])
    const listenErr = lineLog(listen, 'stderr')
    await lineLog(listen).waitFor((line) => line.includes('"event":"listening"'))
    await watchOut.waitFor((line) => line.includes('"otto"'))

    redis.process.kill('SIGTERM')
    await new Promise((resolve) => redis!.process.once('exit', resolve))
    // Both processes retry, several times each, with their backoff in debug.
    for (const log of [listenErr, watchErr]) {
      await log.waitFor((line) => line.includes('lost the connection to Redis'))
      await log.waitFor((line) => /reconnecting in \d+ ms \(attempt 4\)/.test(line))
    }

    rmSync(redis.socket, {force: true})
    redis = await startRedisServer([], dir)
    for (const log of [listenErr, watchErr]) await log.waitFor((line) => line.includes(`Redis at unix:${redis!.socket} is back after`))
    // The listener has registered again in the new, empty Redis: its heartbeat ran after the outage.
    await listenErr.waitFor((line) => line.includes('registered again'))

    for (const log of [listenErr, watchErr]) {
      expect(warnings(log.lines)).toEqual([
        expect.stringContaining(`lost the connection to Redis at unix:${redis.socket}`),
        expect.stringMatching(/is back after \d+\.\d s$/),
      ])
      expect(log.lines.join('\n')).not.toMatch(/warn: .*Stream isn't writeable/)
    }
  }, 120_000)
})
