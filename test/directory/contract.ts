import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {Clock} from '../../src/foundation/clock.js'
import type {Logger} from '../../src/foundation/logger.js'
import type {Directory, DirectoryChange, DirectoryWatch, Registration} from '../../src/directory/types.js'
import {decodeSignedEntry, encodeEntryContent} from '../../src/protocol/directory-entry.js'
import {FakeClock} from '../support/fake-clock.js'
import {testIdentity} from '../support/identities.js'
import {recordingLogger} from '../support/logger.js'

/** One backend under the contract: a fresh, isolated directory per test, plus raw access to plant faults. */
export interface ContractBackend {
  open(options: {clock: Clock; logger: Logger}): Promise<Directory>
  /** Open the same kind of directory pointed at nothing; must fail with DIRECTORY_UNREACHABLE. */
  openUnreachable(logger: Logger): Promise<Directory>
  /** Store a malformed entry under `name`, bypassing the directory. */
  plantMalformed(name: string): Promise<void>
  /** Delete an entry behind the directory's back (a restarted Redis, a dropped collection). */
  erase(name: string): Promise<void>
  /** The stored entry's signed form and the fields it vouches for, as a writer with direct store access sees them. */
  readStored(name: string): Promise<StoredFields>
  /** Overwrite some of the stored entry's fields directly, as anyone with write access to the store could. */
  overwrite(name: string, fields: Partial<StoredFields>): Promise<void>
}

export interface StoredFields {
  address: string
  ports: Record<string, number>
  publicKey: string
  signedAt: number
  signed: string
}

export const HEARTBEAT_MS = 5000
export const EXPIRY_MS = 15_000

/** Directory time starts at the real wall clock (entries in a shared store look recent), then moves only by hand. */
export function fakeClock(start = Date.now()): FakeClock {
  return new FakeClock(start)
}

/** A registration signed by the identity of its name (`testIdentity(name)`), unless overridden. */
const alice = (overrides: Partial<Registration> = {}): Registration => {
  const name = overrides.name ?? 'alice'
  return {name, address: '10.0.0.5', ports: {call: 7000}, version: '0.1.0', identity: testIdentity(name), ...overrides}
}

/** The one suite every directory backend passes. `setup` runs per test and returns the backend's hooks. */
export function directoryContract(label: string, setup: () => Promise<ContractBackend>): void {
  describe(`${label} directory contract`, () => {
    let backend: ContractBackend
    let clock: ReturnType<typeof fakeClock>
    let logger: ReturnType<typeof recordingLogger>
    const opened: Directory[] = []
    const watches: DirectoryWatch[] = []
    const open = async () => {
      const directory = await backend.open({clock, logger})
      opened.push(directory)
      return directory
    }

    beforeEach(async () => {
      backend = await setup()
      clock = fakeClock()
      logger = recordingLogger()
    })

    afterEach(async () => {
      await Promise.all(watches.splice(0).map((watch) => watch.close()))
      await Promise.all(opened.splice(0).map((directory) => directory.close()))
    })

    it('registers an entry that lookup and list show online with its address and ports', async () => {
      const directory = await open()
      const entry = await directory.register(alice())
      expect(entry).toEqual({name: 'alice', address: '10.0.0.5', ports: {call: 7000}, status: 'online', since: clock.now(), lastSeen: clock.now(), version: '0.1.0', publicKey: testIdentity('alice').publicKey, signedAt: clock.now()})
      expect(await directory.lookup('alice')).toEqual(entry)
      expect(await directory.list()).toEqual([entry])
      expect(await directory.lookup('bob')).toBeUndefined()
    })

    it('keeps a heartbeating entry online and lets a silent one expire after the window', async () => {
      const directory = await open()
      await directory.register(alice())
      await directory.register(alice({name: 'bob', address: '10.0.0.6'}))
      for (let beat = 0; beat < 4; beat++) {
        clock.advance(HEARTBEAT_MS)
        expect(await directory.heartbeat('alice')).toBe('ok')
      }

      // bob's last heartbeat was 20 s ago, alice's just now.
      expect((await directory.list()).map((entry) => entry.name)).toEqual(['alice'])
      const bob = await directory.lookup('bob')
      expect(bob).toMatchObject({status: 'offline', since: bob!.lastSeen + EXPIRY_MS})
      expect((await directory.list({onlineOnly: false})).map((entry) => [entry.name, entry.status])).toEqual([['alice', 'online'], ['bob', 'offline']])
      clock.advance(EXPIRY_MS - 1)
      expect((await directory.lookup('alice'))!.status).toBe('online')
      clock.advance(1)
      expect((await directory.lookup('alice'))!.status).toBe('offline')
    })

    it('shows in-call from a heartbeat, and offline after goOffline while keeping the entry', async () => {
      const directory = await open()
      await directory.register(alice())
      clock.advance(1000)
      expect(await directory.heartbeat('alice', {status: 'in-call'})).toBe('ok')
      expect(await directory.lookup('alice')).toMatchObject({status: 'in-call', since: clock.now()})
      clock.advance(1000)
      await directory.goOffline('alice')
      expect(await directory.lookup('alice')).toMatchObject({status: 'offline', since: clock.now()})
      expect(await directory.list()).toEqual([])
      expect(await directory.list({onlineOnly: false})).toHaveLength(1)
    })

    it('refuses a name online from another address, lets the same address take it over, and frees it on expiry', async () => {
      const first = await open()
      const second = await open()
      await first.register(alice())
      await expect(second.register(alice({address: '10.0.0.9'}))).rejects.toMatchObject({code: 'NAME_TAKEN', message: '"alice" is online from 10.0.0.5'})
      expect((await first.lookup('alice'))!.address).toBe('10.0.0.5')
      // A restart on the same host takes the name over; the old process learns it on its next heartbeat.
      await second.register(alice({ports: {call: 7001}}))
      expect(await first.heartbeat('alice')).toBe('taken')
      expect(await second.heartbeat('alice')).toBe('ok')
      clock.advance(EXPIRY_MS)
      const third = await open()
      await third.register(alice({address: '10.0.0.9'}))
      expect(await third.lookup('alice')).toMatchObject({address: '10.0.0.9', status: 'online'})
    })

    it('frees a name at once when its holder goes offline', async () => {
      const first = await open()
      const second = await open()
      await first.register(alice())
      await first.goOffline('alice')
      await second.register(alice({address: '10.0.0.9'}))
      expect((await second.lookup('alice'))!.address).toBe('10.0.0.9')
    })

    it('rejects bad names and addresses before touching the store', async () => {
      const directory = await open()
      for (const name of ['', 'has space', '-dash', 'x'.repeat(33), 'ünï', 'a:b']) {
        await expect(directory.register(alice({name}))).rejects.toMatchObject({code: 'INVALID_USERNAME'})
        await expect(directory.lookup(name)).rejects.toMatchObject({code: 'INVALID_USERNAME'})
      }

      await expect(directory.register(alice({address: 'a b'}))).rejects.toMatchObject({code: 'BAD_USAGE'})
      await expect(directory.register(alice({ports: {call: 70_000}}))).rejects.toMatchObject({code: 'BAD_USAGE'})
      expect(await directory.list({onlineOnly: false})).toEqual([])
    })

    it('says missing when the entry vanished, and registering again restores it', async () => {
      const directory = await open()
      await directory.register(alice())
      await backend.erase('alice')
      expect(await directory.heartbeat('alice')).toBe('missing')
      await directory.register(alice())
      expect(await directory.heartbeat('alice')).toBe('ok')
    })

    it('skips malformed entries with a warning', async () => {
      const directory = await open()
      await directory.register(alice())
      await backend.plantMalformed('mallory')
      expect((await directory.list({onlineOnly: false})).map((entry) => entry.name)).toEqual(['alice'])
      expect(logger.lines.join('')).toMatch(/directory entry "mallory" is malformed \(.+\); skipped/)
      expect(await directory.lookup('mallory')).toBeUndefined()
      // A malformed entry never blocks its name.
      await directory.register(alice({name: 'mallory'}))
      expect((await directory.lookup('mallory'))!.status).toBe('online')
    })

    it('lists 1,000 users, sorted by name', async () => {
      const directory = await open()
      const names = Array.from({length: 1000}, (_, index) => `user${String(index).padStart(4, '0')}`)
      for (let at = 0; at < names.length; at += 100) {
        await Promise.all(names.slice(at, at + 100).map((name, index) => directory.register(alice({name, address: `10.0.${Math.floor(index / 250)}.${index % 250}`}))))
      }

      const listed = await directory.list()
      expect(listed).toHaveLength(1000)
      expect(listed.map((entry) => entry.name)).toEqual(names)
      expect(listed.every((entry) => entry.status === 'online')).toBe(true)
    })

    it('watches: online, in-call, offline, and offline by expiry', async () => {
      const watcher = await open()
      const directory = await open()
      await directory.register(alice({name: 'carol'}))
      const watch = await watcher.watch({pollMs: 50})
      watches.push(watch)
      const changes = watch[Symbol.asyncIterator]()
      const next = async (): Promise<Pick<DirectoryChange, 'name' | 'status' | 'previous'>> => {
        const pending = changes.next()
        let arrived = false
        void pending.then(() => (arrived = true))
        // A backend without push (the test MongoDB server) sees changes only when it polls, on the fake clock: let
        // each poll fire once the read before it is done (a turn of the event loop, no sleep), 50 ms of time a read.
        while (!arrived) {
          if (clock.nextDue !== undefined) clock.advance(clock.nextDue - clock.now())
          await new Promise((resolve) => setImmediate(resolve))
        }

        const {value} = await pending
        return {name: value.name, status: value.status, previous: value.previous}
      }

      await directory.register(alice())
      expect(await next()).toEqual({name: 'alice', status: 'online', previous: null})
      await directory.heartbeat('alice', {status: 'in-call'})
      expect(await next()).toEqual({name: 'alice', status: 'in-call', previous: 'online'})
      await directory.goOffline('alice')
      expect(await next()).toEqual({name: 'alice', status: 'offline', previous: 'in-call'})
      // carol stopped heartbeating: nobody announces that, the watch sees it by re-reading.
      clock.advance(EXPIRY_MS)
      expect(await next()).toEqual({name: 'carol', status: 'offline', previous: 'online'})
      await watch.close()
      expect(await changes.next()).toEqual({done: true, value: undefined})
    })

    it('binds a name to the first key that claims it: another key is refused by the write itself, online or not', async () => {
      const first = await open()
      const second = await open()
      await first.register(alice())
      const mallory = testIdentity('mallory')
      await expect(second.register(alice({identity: mallory}))).rejects.toMatchObject({code: 'NAME_TAKEN', message: expect.stringContaining('"alice" belongs to another identity key (SHA256:')})
      await first.goOffline('alice')
      clock.advance(EXPIRY_MS)
      await expect(second.register(alice({identity: mallory, address: '10.0.0.9'}))).rejects.toMatchObject({code: 'NAME_TAKEN'})
      expect((await second.lookup('alice'))!.publicKey).toBe(testIdentity('alice').publicKey)
      // The same key may come back from anywhere once the name is free (an identity moved to another host).
      await second.register(alice({address: '10.0.0.9'}))
      expect((await first.lookup('alice'))!.address).toBe('10.0.0.9')
    })

    it('refuses a heartbeat when the stored entry is bound to another key', async () => {
      const directory = await open()
      await directory.register(alice())
      await backend.overwrite('alice', {publicKey: testIdentity('mallory').publicKey})
      expect(await directory.heartbeat('alice')).toBe('taken')
    })

    it('drops, counts and logs at debug an entry whose signature does not verify (right name, wrong key or fields)', async () => {
      const writer = await open()
      const reader = await open()
      await writer.register(alice())
      await writer.register(alice({name: 'bob', address: '10.0.0.6'}))
      // Bob's entry redirected to another address: the signed form still says 10.0.0.6.
      await backend.overwrite('bob', {address: '10.6.6.6'})
      expect(await reader.lookup('bob')).toBeUndefined()
      // Bob's signed form rewritten to the new address, his signature kept: it no longer verifies.
      const stored = await backend.readStored('bob')
      const decoded = decodeSignedEntry(Buffer.from(stored.signed, 'base64url'))
      if (!decoded.ok) throw new Error(decoded.reason)
      const forged = Buffer.concat([encodeEntryContent({...decoded.value.content, address: '10.6.6.6'}), Buffer.from(decoded.value.signature, 'base64url')])
      await backend.overwrite('bob', {signed: forged.toString('base64url')})
      expect((await reader.list()).map((entry) => entry.name)).toEqual(['alice'])
      expect(reader.unverified).toBe(2)
      expect(logger.lines.join('')).toContain('directory entry "bob" dropped: its fields differ from the signed ones (1 dropped so far)')
      expect(logger.lines.join('')).toContain('directory entry "bob" dropped: its signature does not verify')
    })

    it('refuses a replayed older entry once it has seen a newer one for that name', async () => {
      const writer = await open()
      const reader = await open()
      await writer.register(alice({address: '10.0.0.5'}))
      const old = await backend.readStored('alice')
      clock.advance(1000)
      await writer.register(alice({ports: {call: 7001}}))
      expect((await reader.lookup('alice'))!.ports.call).toBe(7001)
      await backend.overwrite('alice', old)
      expect(await reader.lookup('alice')).toBeUndefined()
      expect(logger.lines.join('')).toMatch(/directory entry "alice" dropped: signed at \d+, before the newest seen \(\d+\): a replay/)
    })

    it('fails to open an unreachable directory with DIRECTORY_UNREACHABLE', async () => {
      await expect(backend.openUnreachable(logger)).rejects.toMatchObject({code: 'DIRECTORY_UNREACHABLE'})
    })
  })
}
