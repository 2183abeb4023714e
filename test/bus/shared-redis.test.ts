import {execFileSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {type AddressInfo, createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {Redis} from 'ioredis'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {killAll, lineLog, runCli, startCli} from '../support/cli.js'
import {type RedisServer, startRedisServer} from '../support/redis-server.js'

/**
 * docs/bus.md, "Who can reach the bus": a shared TCP Redis made safe with one ACL user per ivc user. The ACL lines
 * are taken from the page itself, so the page cannot drift from what works.
 */
const passwords: Record<string, string> = {ADMIN: randomBytes(9).toString('hex'), ALICE: randomBytes(9).toString('hex'), BOB: randomBytes(9).toString('hex')}

function aclLinesOfTheDocs(): string[][] {
  const page = readFileSync(new URL('../../docs/bus.md', import.meta.url), 'utf8')
  const block = /## Who can reach the bus[\s\S]*?```conf\n([\s\S]*?)```/.exec(page)
  if (!block) throw new Error('docs/bus.md has no ```conf block under "Who can reach the bus"')
  return block[1]
    .trim()
    .split('\n')
    .map((line) => line.replace(/>([A-Z]+)-PASSWORD/, (_, who: string) => `>${passwords[who]}`).split(' '))
}

let redis: RedisServer
let port: number
let dir: string
const url = (user: string) => `redis://${user}:${passwords[user.toUpperCase()]}@127.0.0.1:${port}`
const configOf = (user: string) => join(dir, `${user}.json`)
const as = (user: string) => ({env: {IVC_CONFIG: configOf(user)}})

/** A TCP port free right now, for redis-server (which cannot take a handed socket); only this test uses it. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port: free} = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return free
}

beforeAll(async () => {
  port = await freePort()
  // Each `user …` line as redis-server arguments: --user NAME RULE RULE ...
  redis = await startRedisServer(['--port', String(port), '--bind', '127.0.0.1', ...aclLinesOfTheDocs().flatMap(([directive, ...rules]) => [`--${directive}`, ...rules])])
  dir = mkdtempSync(join(tmpdir(), 'ivc-acl-'))
  for (const user of ['alice', 'bob']) {
    writeFileSync(configOf(user), JSON.stringify({redis: url(user), address: '127.0.0.1'}))
    chmodSync(configOf(user), 0o600)
  }
})
afterAll(async () => {
  await redis?.stop()
  rmSync(dir, {recursive: true, force: true})
})
afterEach(killAll)

describe('a shared Redis with one ACL user per ivc user (the lines of docs/bus.md)', () => {
  it('keeps out a client without a password, and keeps alice out of bob\'s channels and keys but not her own', async () => {
    const anonymous = execFileSync('redis-cli', ['-p', String(port), 'publish', 'ivc:bob:cmd:call', '{}'], {encoding: 'utf8'})
    expect(anonymous).toContain('NOAUTH')
    const alice = new Redis(url('alice'), {lazyConnect: true})
    try {
      await alice.connect()
      await expect(alice.publish('ivc:bob:cmd:call', '{}')).rejects.toThrow(/NOPERM/)
      await expect(alice.hgetall('ivc:bob:state:call')).rejects.toThrow(/NOPERM/)
      await expect(alice.set('ivc:bob:alive:call:x', '1')).rejects.toThrow(/NOPERM/)
      await expect(alice.keys('ivc:*')).rejects.toThrow(/NOPERM/)
      await expect(alice.publish('ivc:alice:cmd:call', '{}')).resolves.toBe(0)
      await expect(alice.hgetall('ivc:alice:state:call')).resolves.toEqual({})
      const subscriber = alice.duplicate()
      await expect(subscriber.subscribe('ivc:bob:events:call')).rejects.toThrow(/NOPERM/)
      await expect(subscriber.subscribe('ivc:alice:events:call')).resolves.toBe(1)
      subscriber.disconnect()
    } finally {
      alice.disconnect()
    }
  })

  it('carries a whole call between two such users, each with the password in a 0600 config file, none on a command line', async () => {
    const common = ['--json', '--size', '320x240', '--video-connections', '2', '--audio-connections', '2', '--video-sink', 'null', '--audio-sink', 'null']
    const bob = startCli(['listen', '--user', 'bob', '--port', '0', '--auto-accept', ...common], as('bob'))
    const events = lineLog(bob)
    await events.waitFor((line) => line.includes('"event":"listening"'))
    const call = runCli(['call', 'bob', '--user', 'alice', '--duration', '2', ...common], {...as('alice'), timeoutMs: 90_000})
    await events.waitFor((line) => line.includes('"call.media-up"'), 60_000)
    // Every component of both sides runs now: none shows a password to `ps`.
    const commandLines = execFileSync('ps', ['-eo', 'args'], {encoding: 'utf8'})
    expect(commandLines).toContain('run.js stream-video')
    for (const password of Object.values(passwords)) expect(commandLines).not.toContain(password)
    const result = await call
    expect(result.exitCode, result.stderr).toBe(0)
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1)!)
    expect(summary, result.stdout).toMatchObject({peer: 'bob', endCode: 'hangup', endReason: 'duration over'})
    expect(summary.video.frames).toBeGreaterThan(0)
    expect(summary.audio.frames).toBeGreaterThan(0)
  }, 120_000)

  it('refuses a config file with a password that others may read, and a password on the command line', async () => {
    chmodSync(configOf('alice'), 0o644)
    try {
      const readable = await runCli(['control', 'status', '--user', 'alice', '--json'], as('alice'))
      expect(readable.exitCode).toBe(4)
      expect(JSON.parse(readable.stdout).error).toMatchObject({code: 'CONFIG_INVALID', message: `${configOf('alice')} holds a password ("redis") but other users may read it (mode 644)`})
    } finally {
      chmodSync(configOf('alice'), 0o600)
    }

    const fine = await runCli(['control', 'status', '--user', 'alice', '--json'], as('alice'))
    expect(JSON.parse(fine.stdout).error?.code, fine.stderr).toBe('NO_CALL')
    // Reports name the address, never the password.
    const doctor = await runCli(['doctor', '--json'], as('alice'))
    expect(JSON.parse(doctor.stdout).redis).toMatchObject({ok: true, url: `redis://alice:***@127.0.0.1:${port}`})
    expect(doctor.stdout + doctor.stderr).not.toContain(passwords.ALICE)
    const typed = await runCli(['control', 'status', '--user', 'alice', '--json', '--redis', url('alice')])
    expect(typed.exitCode).toBe(2)
    expect(JSON.parse(typed.stdout).error.message).toBe('--redis on the command line carries a password, which every local user can read (ps)')
    expect(typed.stderr).not.toContain(passwords.ALICE)
  }, 60_000)
})
