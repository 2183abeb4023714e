import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {ERRORS} from '../../src/foundation/errors.js'
import {killAll, runCli, startCli, waitForLine} from '../support/cli.js'
import {type MongoTestServer, startMongoServer} from '../support/mongo-server.js'
import {type RedisServer, startRedisServer} from '../support/redis-server.js'

// The directory is shared by every user of a Redis, so these tests get a redis-server of their own.
let redis: RedisServer
let mongo: MongoTestServer
const FAST = ['--heartbeat-ms', '100', '--expiry-ms', '600']

beforeAll(async () => {
  ;[redis, mongo] = await Promise.all([startRedisServer(), startMongoServer()])
})

afterEach(async () => {
  await killAll()
})

afterAll(async () => {
  await Promise.all([redis?.stop(), mongo?.stop()])
})

async function listJson(directory: string[]): Promise<Array<{name: string; status: string; address: string; ports: Record<string, number>}>> {
  const {exitCode, stdout, stderr} = await runCli(['presence', 'list', '--json', '--redis', redis.url, ...FAST, ...directory])
  expect(exitCode, stderr).toBe(0)
  return JSON.parse(stdout)
}

/** Poll `presence list` until `check` holds (each poll is a CLI run, no sleep); the deadline only bounds a failing test. */
async function untilListed(directory: string[], check: (names: string[]) => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check((await listJson(directory)).map((entry) => entry.name))) {
    if (Date.now() > deadline) throw new Error('the directory never showed the expected users')
  }
}

describe.each([
  ['the Redis directory', () => []],
  ['a MongoDB directory (test server, official driver)', () => ['--directory', `${mongo.url}/ivc_cli`]],
])('ivc presence with %s', (_label, directoryArgs) => {
  it('shows alice online with her address, and not once her process is killed with SIGKILL', async () => {
    const directory = directoryArgs()
    const alice = startCli(['presence', '--user', 'alice', '--redis', redis.url, '--address', '10.1.2.3', '--call-port', '7000', '--json', ...FAST, ...directory])
    const online = JSON.parse(await waitForLine(alice, 'stdout', (line) => line.includes('"online"')))
    expect(online).toMatchObject({event: 'online', name: 'alice', status: 'online', address: '10.1.2.3', ports: {call: 7000}})
    expect(await listJson(directory)).toEqual([expect.objectContaining({name: 'alice', status: 'online', address: '10.1.2.3', ports: {call: 7000}})])

    const taken = await runCli(['presence', '--user', 'alice', '--redis', redis.url, '--address', '10.9.9.9', ...FAST, ...directory])
    expect(taken.exitCode).toBe(ERRORS.NAME_TAKEN.exit)
    expect(taken.stderr).toContain('"alice" is online from 10.1.2.3 [NAME_TAKEN]')

    alice.kill('SIGKILL')
    await untilListed(directory, (names) => !names.includes('alice'))
    const shown = await runCli(['presence', 'show', 'alice', '--json', '--redis', redis.url, ...FAST, ...directory])
    expect(JSON.parse(shown.stdout)).toMatchObject({name: 'alice', status: 'offline', address: '10.1.2.3'})
  }, 120_000)

  it('goes offline at once on SIGTERM and exits 0', async () => {
    const directory = directoryArgs()
    const bob = startCli(['presence', '--user', 'bob', '--redis', redis.url, '--address', '10.1.2.4', '--json', ...FAST, ...directory])
    await waitForLine(bob, 'stdout', (line) => line.includes('"online"'))
    bob.kill('SIGTERM')
    const result = await bob
    expect(result.exitCode).toBe(0)
    expect(String(result.stdout).trim().split('\n').map((line) => JSON.parse(line).event)).toEqual(['online', 'offline'])
    const {stdout} = await runCli(['presence', 'list', '--all', '--json', '--redis', redis.url, ...FAST, ...directory])
    expect(JSON.parse(stdout)).toEqual(expect.arrayContaining([expect.objectContaining({name: 'bob', status: 'offline'})]))
  }, 120_000)

  it('streams changes as NDJSON with presence watch', async () => {
    const directory = directoryArgs()
    const watch = startCli(['presence', 'watch', '--redis', redis.url, '--log-level', 'info', ...FAST, ...directory])
    await waitForLine(watch, 'stderr', (line) => line.includes('watching the')) // it has its baseline: nothing after is missed
    const carol = startCli(['presence', '--user', 'carol', '--redis', redis.url, '--address', '10.1.2.5', ...FAST, ...directory])
    const line = await waitForLine(watch, 'stdout', (text) => text.includes('"carol"'), 15_000)
    expect(JSON.parse(line)).toMatchObject({event: 'online', name: 'carol', previous: null, address: '10.1.2.5'})
    carol.kill('SIGKILL')
    const gone = await waitForLine(watch, 'stdout', (text) => text.includes('"carol"') && text.includes('"offline"'), 15_000)
    expect(JSON.parse(gone)).toMatchObject({event: 'offline', name: 'carol', previous: 'online'})
  }, 120_000)
})

describe('ivc presence errors', () => {
  it('rejects an invalid username in one line with INVALID_USERNAME', async () => {
    const {exitCode, stdout, stderr} = await runCli(['presence', '--user', 'no spaces', '--redis', redis.url])
    expect(exitCode).toBe(ERRORS.INVALID_USERNAME.exit)
    expect(stdout).toBe('')
    expect(stderr).toBe(`ivc: invalid username "no spaces" [INVALID_USERNAME]\n  Try this: ${ERRORS.INVALID_USERNAME.suggestion}`)
  })

  it.each([
    ['an unreachable MongoDB', ['presence', '--user', 'alice', '--directory', 'mongodb://127.0.0.1:1/ivc']],
    ['an unreachable Redis directory', ['presence', 'list', '--redis', 'unix:///nonexistent/ivc.sock']],
  ])('reports %s in one line with DIRECTORY_UNREACHABLE', async (_label, args) => {
    const {exitCode, stderr} = await runCli([...args, ...(args.includes('--redis') ? [] : ['--redis', redis.url])])
    expect(exitCode).toBe(ERRORS.DIRECTORY_UNREACHABLE.exit)
    const lines = stderr.trim().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(/^ivc: cannot reach the (MongoDB|Redis) directory.*\[DIRECTORY_UNREACHABLE\]$/)
  })

  it('says UNKNOWN_USER for a name the directory does not have', async () => {
    const {exitCode, stderr} = await runCli(['presence', 'show', 'nobody', '--redis', redis.url])
    expect(exitCode).toBe(ERRORS.UNKNOWN_USER.exit)
    expect(stderr).toContain('no user named "nobody" in the directory [UNKNOWN_USER]')
  })

  it('refuses an expiry no longer than the heartbeat', async () => {
    const {exitCode, stderr} = await runCli(['presence', 'list', '--redis', redis.url, '--heartbeat-ms', '1000', '--expiry-ms', '1000'])
    expect(exitCode).toBe(ERRORS.BAD_USAGE.exit)
    expect(stderr).toContain('expiry of 1000 ms must be longer than the heartbeat of 1000 ms')
  })
})
