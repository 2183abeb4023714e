import {randomUUID} from 'node:crypto'
import {mkdtempSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {Redis} from 'ioredis'
import {afterAll, afterEach, beforeAll, describe, expect, inject, it} from 'vitest'

import {parseRedisUrl} from '../../src/bus/redis-url.js'
import {signEntry} from '../../src/directory/entry-verifier.js'
import {directoryKeys} from '../../src/directory/redis-keys.js'
import {fingerprint} from '../../src/security/identity.js'
import {readIdentity} from '../../src/security/identity-file.js'
import {killAll, lineLog, runCli, startCli, TEST_CONFIG_HOME} from '../support/cli.js'
import {testIdentity} from '../support/identities.js'

/**
 * Who is on the other end, with real processes, the real Redis directory and real TCP (docs/protocol.md, "Call
 * security"; SECURITY.md): forged and replayed directory entries are not called, and a changed key stops the call until
 * `ivc trust`. A relay on the path (signalling-privacy-cli.test.ts) can no longer read or rewrite an invite at all:
 * it travels inside TLS keyed by the connection's hello, to a callee that proved its key first. The invite's and the
 * accept's signatures stay as a second check (call-identity.test.ts, setup-binding-cli.test.ts).
 */
const redisUrl = inject('redisUrl')
const name = (prefix: string) => `${prefix}${randomUUID().slice(0, 6)}`
const common = ['--redis', redisUrl, '--address', '127.0.0.1', '--heartbeat-ms', '200', '--expiry-ms', '10000', '--no-video', '--audio-connections', '1', '--audio-codec', 'pcm']
const keys = directoryKeys()
let raw: Redis
const servers = new Set<Server>()

beforeAll(() => {
  raw = new Redis(parseRedisUrl(redisUrl))
})

afterAll(async () => {
  await raw.quit()
})

afterEach(async () => {
  for (const server of servers) server.close()
  servers.clear()
  await killAll()
})

async function listen(user: string, env: Record<string, string> = {}) {
  const child = startCli(['listen', '--user', user, '--port', '0', '--json', '--auto-accept', ...common], {env})
  const log = lineLog(child)
  const listening = JSON.parse(await log.waitFor((line) => line.includes('"event":"listening"'))) as {port: number}
  // Online in the directory (presence registers just after the listener is up).
  await expect.poll(async () => (await raw.hget(keys.user(user), 'status')) ?? '', {timeout: 30_000}).toBe('online')
  return {child, port: listening.port, log}
}

/** A TCP server that only counts who connects: where a forged entry points. */
async function sentinel(): Promise<{port: number; connections: () => number}> {
  let connections = 0
  const server = createServer((socket) => {
    connections++
    socket.destroy()
  })
  servers.add(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {port: (server.address() as {port: number}).port, connections: () => connections}
}

/** Write `user`'s directory entry straight into Redis, as anyone with write access to the store can. */
async function plant(user: string, fields: {address: string; port: number; signedAt: number; identity: {publicKey: string; sign(data: Uint8Array): string}; signedPort?: number}) {
  const signed = signEntry({name: user, address: fields.address, ports: {call: fields.signedPort ?? fields.port}, version: '0.1.0', signedAt: fields.signedAt}, fields.identity)
  // Seen now: once a forged key is stored, the directory refuses bob's own heartbeats, so nothing else keeps the entry
  // online, and on a loaded host the calls below may come later than --expiry-ms after the plant.
  await raw.hset(keys.user(user), {address: fields.address, ports: JSON.stringify({call: fields.port}), version: '0.1.0', publicKey: fields.identity.publicKey, signedAt: String(fields.signedAt), signed, lastSeen: String(Date.now())})
}

const call = (from: string, to: string, extra: string[] = [], env: Record<string, string> = {}) => runCli(['call', to, '--user', from, '--duration', '1', ...common, ...extra], {env, timeoutMs: 180_000})

describe('identity: directory entries', {timeout: 400_000}, () => {
  it('does not call a forged entry for bob: changed fields, a replayed older entry, or the right name under another key', async () => {
    const [alice, bob] = [name('alice'), name('bob')]
    await listen(bob)
    const first = await call(alice, bob)
    expect(first.exitCode, first.stderr).toBe(0)
    const bobs = readIdentity(join(TEST_CONFIG_HOME, 'ivc'), bob)!.identity
    const trap = await sentinel()
    const bobSignedAt = Number(await raw.hget(keys.user(bob), 'signedAt'))

    // Bob's own signature, over another port than the one now stored: the entry does not verify and is dropped.
    await plant(bob, {address: '127.0.0.1', port: trap.port, signedPort: 1, signedAt: bobSignedAt, identity: bobs})
    const forged = await call(alice, bob)
    expect(forged.exitCode).toBe(15)
    expect(forged.stderr).toContain(`no user named "${bob}"`)

    // A genuine entry of bob's, but older than the one alice called him at: a replay.
    await plant(bob, {address: '127.0.0.1', port: trap.port, signedAt: bobSignedAt - 60_000, identity: bobs})
    const replayed = await call(alice, bob)
    expect(replayed.exitCode, replayed.stderr).toBe(23)
    expect(replayed.stderr).toContain('a replayed entry [AUTH_FAILED]')

    // Mallory's own, validly signed entry for bob's name: not the key alice pinned for bob.
    const mallory = testIdentity(`mallory ${bob}`)
    await plant(bob, {address: '127.0.0.1', port: trap.port, signedAt: bobSignedAt + 60_000, identity: mallory})
    const impostor = await call(alice, bob)
    expect(impostor.exitCode).toBe(29)
    expect(impostor.stderr).toContain(`the identity key of ${bob} has changed: pinned ${fingerprint(bobs.publicKey)}, now ${fingerprint(mallory.publicKey)} [IDENTITY_CHANGED]`)
    expect(impostor.stderr).toContain(`ivc trust ${bob}`)
    // ... nor, for a caller that does not trust on first use, the first time.
    await plant(bob, {address: '127.0.0.1', port: trap.port, signedAt: bobSignedAt + 60_000, identity: mallory})
    const stranger = await call(name('carol'), bob, ['--trust-on-first-use=false'])
    expect(stranger.exitCode).toBe(23)
    expect(stranger.stderr).toContain(`no identity key is pinned for ${bob}`)

    expect(trap.connections()).toBe(0)
  })
})

describe('identity: pinning', {timeout: 400_000}, () => {
  it('stops the call with IDENTITY_CHANGED and both fingerprints when bob\'s key changes, and `ivc trust` lets it through', async () => {
    const [alice, bob] = [name('alice'), name('bob')]
    const oldHome = {XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'ivc-bob-old-'))}
    const newHome = {XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'ivc-bob-new-'))}
    const before = await listen(bob, oldHome)
    expect((await call(alice, bob)).exitCode).toBe(0)
    before.child.kill('SIGTERM')
    await before.child
    // Bob's name stays bound to his old key while the entry is kept (a day); here it is gone, as after that day.
    await raw.del(keys.user(bob))
    await listen(bob, newHome)
    const [oldKey, newKey] = await Promise.all([oldHome, newHome].map(async (env) => (JSON.parse((await runCli(['identity', '--user', bob, '--json'], {env})).stdout) as {fingerprint: string}).fingerprint))
    expect(newKey).not.toBe(oldKey)

    const changed = await call(alice, bob)
    expect(changed.exitCode).toBe(29)
    expect(changed.stderr).toContain(`pinned ${oldKey}, now ${newKey} [IDENTITY_CHANGED]`)
    expect(changed.stderr).toContain(`accept it with \`ivc trust ${bob}\``)

    const trusted = await runCli(['trust', bob, '--user', alice, '--redis', redisUrl, '--json'])
    expect(trusted.exitCode, trusted.stderr).toBe(0)
    expect(JSON.parse(trusted.stdout)).toMatchObject({peer: bob, fingerprint: newKey, replaced: oldKey, verified: false})
    const again = await call(alice, bob)
    expect(again.exitCode, again.stderr).toBe(0)
  })
})

describe('identity: safety number', {timeout: 400_000}, () => {
  it('is the same on both sides during a call, from both keys, and `ivc trust --verified` marks it compared', async () => {
    const [alice, bob] = [name('alice'), name('bob')]
    await listen(bob)
    const caller = startCli(['call', bob, '--user', alice, '--duration', '300', ...common])
    const progress = lineLog(caller, 'stderr')
    const status = async (user: string) => {
      const reply = await runCli(['control', 'status', '--user', user, '--redis', redisUrl, '--json'])
      return (reply.exitCode === 0 ? JSON.parse(reply.stdout) : {}) as {state?: string; peerFingerprint?: string; safetyNumber?: string; verified?: boolean}
    }
    const fingerprintOf = async (user: string) => (JSON.parse((await runCli(['identity', '--user', user, '--json'])).stdout) as {fingerprint: string}).fingerprint

    // Once bob has answered (the caller's progress line), both sides know both keys: status is asked from then on, not
    // polled from the start (each ask is a CLI start-up); the poll stays as a safety net.
    await progress.waitFor((line) => line.startsWith('✔') && line.includes(`${bob} answers`), 240_000)
    await expect.poll(async () => (await status(alice)).safetyNumber, {timeout: 240_000, interval: 500}).toMatch(/^\d{5}( \d{5}){5}$/)
    const [ours, theirs] = await Promise.all([status(alice), status(bob)])
    expect(theirs.safetyNumber).toBe(ours.safetyNumber)
    // Each side names the other's key as that one's own `ivc identity` shows it.
    expect(ours.peerFingerprint).toBe(await fingerprintOf(bob))
    expect(theirs.peerFingerprint).toBe(await fingerprintOf(alice))
    expect(ours.verified).toBe(false)
    const human = await runCli(['control', 'status', '--user', alice, '--redis', redisUrl])
    expect(human.stdout).toContain(`safety number: ${ours.safetyNumber} (not verified: read it to ${bob}, then \`ivc trust ${bob} --verified\`)`)

    const verified = await runCli(['trust', bob, '--user', alice, '--verified', '--redis', redisUrl, '--json'])
    expect(JSON.parse(verified.stdout)).toMatchObject({peer: bob, verified: true})
    expect(await status(alice)).toMatchObject({safetyNumber: ours.safetyNumber, verified: true})
    expect((await runCli(['control', 'status', '--user', alice, '--redis', redisUrl])).stdout).toContain(`safety number: ${ours.safetyNumber} (verified)`)
    await runCli(['control', 'hangup', '--user', alice, '--redis', redisUrl])
    expect((await caller).exitCode).toBe(0)
  })
})
