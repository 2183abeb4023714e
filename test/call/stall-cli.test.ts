import {randomUUID} from 'node:crypto'

import {execa, type ResultPromise} from 'execa'
import {afterAll, describe, inject, it} from 'vitest'

import {Bus} from '../../src/bus/bus.js'
import {endErrorCode} from '../../src/call/steps.js'
import type {EndCode} from '../../src/call/types.js'
import {ERRORS} from '../../src/foundation/errors.js'
import {BIN, cliEnv, killAll, lineLog, runCli, startCli} from '../support/cli.js'
import {recordingLogger} from '../support/logger.js'
import {ivcProcessesWith, PS_POLL_MS} from '../support/processes.js'

/**
 * Issue 14, item 4: a peer that stalls (its whole process group stopped, as a suspended laptop or a starved VM would
 * be) is shown as reconnecting and ridden out; one that stays silent past --stall-timeout ends the call with a reason
 * that says so. Real processes of the built CLI, the suite's Redis, TCP on loopback.
 */
const redis = inject('redisUrl')
const name = (prefix: string) => `${prefix}${randomUUID().slice(0, 6)}`
const common = ['--redis', redis, '--address', '127.0.0.1', '--heartbeat-ms', '200', '--expiry-ms', '1000', '--size', '320x240', '--video-connections', '4', '--audio-connections', '2']
/** The stop the issue reports ending calls, kept for exactly this long: the fault, not a wait for something. */
const SHORT_STOP_MS = 5000

/** Stop with `stop`, and resume with `resume` once SHORT_STOP_MS have passed since, after `noticed` (the stall shown). */
async function stall(stop: () => void, resume: () => void, noticed: () => Promise<unknown>): Promise<void> {
  stop()
  const stoppedAt = Date.now()
  await noticed()
  // The fault lasts its full length (the 5 s), whatever the host's speed in noticing it.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, SHORT_STOP_MS - (Date.now() - stoppedAt))))
  resume()
}

const groups = new Set<number>()
// The two cases run at once, so neither may kill the other's processes when it ends: all go after the last.
afterAll(async () => {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGCONT')
      process.kill(-pgid, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }

  groups.clear()
  await killAll()
})

/** `ivc listen` for `user` as the leader of its own process group (its components join it), once listening. */
async function listenInOwnGroup(user: string) {
  const child: ResultPromise = execa('node', [BIN, 'listen', '--user', user, '--port', '0', '--auto-accept', '--json', ...common], {env: cliEnv(), extendEnv: true, reject: false, buffer: true, detached: true})
  groups.add(child.pid!)
  const log = lineLog(child)
  await log.waitFor((line) => line.includes('"event":"listening"'))
  return {
    child,
    log,
    stop: () => process.kill(-child.pid!, 'SIGSTOP'),
    resume: () => process.kill(-child.pid!, 'SIGCONT'),
    /** Only the `ivc listen` process, not its components. */
    stopListener: () => process.kill(child.pid!, 'SIGSTOP'),
    resumeListener: () => process.kill(child.pid!, 'SIGCONT'),
  }
}

/** Everything `user`'s components publish on topics call, video-stats and audio-stats, as it comes. */
async function watchBus(user: string) {
  const bus = await Bus.connect({redis, user, component: 'test', logger: recordingLogger()})
  const seen: Array<{type: string; body: Record<string, unknown>}> = []
  const waiters = new Set<() => void>()
  const record = (envelope: {type: string; body: unknown}) => {
    seen.push({type: envelope.type, body: envelope.body as Record<string, unknown>})
    for (const wake of waiters) wake()
  }

  await Promise.all([bus.subscribe('call', record), bus.subscribe('video-stats', record), bus.subscribe('audio-stats', record)])
  /** The `nth` event (1: the first) that matches, once it has come. */
  const until = (what: string, predicate: (event: {type: string; body: Record<string, unknown>}) => boolean, nth = 1, timeoutMs = 60_000) =>
    new Promise<{type: string; body: Record<string, unknown>}>((resolve, reject) => {
      const check = () => {
        const found = seen.filter(predicate)[nth - 1]
        if (!found) return
        waiters.delete(check)
        clearTimeout(timer)
        resolve(found)
      }

      const timer = setTimeout(() => (waiters.delete(check), reject(new Error(`${user}: no ${what} within ${timeoutMs} ms; saw ${seen.filter((e) => !e.type.endsWith('.stats')).map((e) => e.type).join(', ')}`))), timeoutMs)
      waiters.add(check)
      check()
    })
  /** The most frames `user`'s receiver of `kind` has reported so far. */
  const framesIn = (kind: 'video' | 'audio') => Math.max(0, ...seen.filter((e) => e.type === `${kind}.stats` && e.body.role === 'receiver').map((e) => Number(e.body.frames ?? 0)))
  const receiving = (kind: 'video' | 'audio', more: number) => {
    const from = framesIn(kind)
    return until(`${kind} frames beyond ${from}`, (e) => e.type === `${kind}.stats` && e.body.role === 'receiver' && Number(e.body.frames ?? 0) > from + more)
  }

  return {until, receiving, types: () => seen.map((e) => e.type), close: () => bus.close()}
}

/**
 * Both sides' receivers have frames: every sender's first connection is up. (A stop while a sender's first media
 * handshake is still under way fails that sender at the handshake deadline, which is not what these tests are about.)
 */
async function mediaBothWays(...sides: Array<Awaited<ReturnType<typeof watchBus>>>): Promise<void> {
  await Promise.all(sides.flatMap((side) => [side.receiving('video', 0), side.receiving('audio', 0)]))
}

// Each case has its own users, listener (in its own process group) and call, so they run side by side: most of
// their time is the stops they inflict and the stall timeout they wait out, which leaves the cores free.
describe.concurrent('a stalled peer (its processes stopped with SIGSTOP)', () => {
  it(`rides out a ${SHORT_STOP_MS / 1000} s stop of the peer's whole process group, then of its listener alone: reconnecting…, then the call and its media go on`, async ({expect}) => {
    const bob = name('bob')
    const alice = name('alice')
    const listener = await listenInOwnGroup(bob)
    const [aliceBus, bobBus] = await Promise.all([watchBus(alice), watchBus(bob)])
    try {
      const call = startCli(['call', bob, '--user', alice, '--json', ...common])
      await aliceBus.until('call.media-up', (e) => e.type === 'call.media-up')
      await mediaBothWays(aliceBus, bobBus)

      await stall(listener.stop, listener.resume, async () => {
        const stalled = await aliceBus.until('call.stalled', (e) => e.type === 'call.stalled')
        expect(stalled.body).toMatchObject({peer: bob, timeoutMs: 15_000})
      })

      const resumed = await aliceBus.until('call.resumed', (e) => e.type === 'call.resumed')
      expect(Number(resumed.body.silentMs)).toBeGreaterThanOrEqual(2000)
      // Media from bob flows again: both receivers count new frames after the resume.
      await Promise.all([aliceBus.receiving('video', 10), aliceBus.receiving('audio', 10)])
      expect(aliceBus.types()).not.toContain('call.ending')

      // bob's listener alone stops (its components run on): its signalling falls silent, and that too is ridden out.
      await stall(listener.stopListener, listener.resumeListener, () => aliceBus.until('a second call.stalled', (e) => e.type === 'call.stalled', 2))
      await aliceBus.until('a second call.resumed', (e) => e.type === 'call.resumed', 2)
      await aliceBus.receiving('video', 10)
      expect(aliceBus.types()).not.toContain('call.ending')

      expect((await runCli(['control', 'hangup', '--user', alice, '--redis', redis])).exitCode).toBe(0)
      const result = await call
      expect(result.exitCode, result.stderr).toBe(0)
      expect(JSON.parse(result.stdout)).toMatchObject({peer: bob, endCode: 'hangup'})
      // bob's side never ended it either: its one call.ended is alice's hang-up.
      const ended = JSON.parse(await listener.log.waitFor((line) => line.includes('"call.ended"')))
      expect(ended).toMatchObject({code: 'remote-hangup'})
    } finally {
      await Promise.all([aliceBus.close(), bobBus.close()])
    }
  }, 120_000)

  it('ends the call once the peer stays silent for --stall-timeout, with a reason that says so; the stopped peer ends it too when it resumes', async ({expect}) => {
    const bob = name('bob')
    const alice = name('alice')
    const listener = await listenInOwnGroup(bob)
    const [aliceBus, bobBus] = await Promise.all([watchBus(alice), watchBus(bob)])
    try {
      // A short bound keeps the test short; the default is 15 s.
      const call = startCli(['call', bob, '--user', alice, '--json', '--stall-timeout', '6', ...common])
      const up = await aliceBus.until('call.media-up', (e) => e.type === 'call.media-up')
      const callId = String(up.body.callId)
      await mediaBothWays(aliceBus, bobBus)
      listener.stop()
      const stalled = await aliceBus.until('call.stalled', (e) => e.type === 'call.stalled')
      expect(stalled.body).toMatchObject({peer: bob, timeoutMs: 6000})

      const result = await call
      const summary = JSON.parse(result.stdout)
      // The call component's signalling connection gives up first (the control connection waits twice as long).
      expect(summary, summary.endReason).toMatchObject({callId, peer: bob, endCode: 'peer-gone'})
      expect(summary.endReason).toMatch(new RegExp(`^lost the signalling connection to ${bob}: nothing heard from the peer for \\d+\\.\\d s \\(the stall timeout is 6 s\\)$`))
      expect(result.exitCode).toBe(ERRORS[endErrorCode(summary.endCode as EndCode)!].exit)
      expect(result.stderr).toContain('the stall timeout is 6 s')

      // bob comes back to a call that is over: it ends it as well, and listens again.
      listener.resume()
      const ended = JSON.parse(await listener.log.waitFor((line) => line.includes('"call.ended"')))
      expect(ended).toMatchObject({callId, peer: alice})
      await expect.poll(() => ivcProcessesWith(callId), {timeout: 60_000, interval: PS_POLL_MS}).toEqual([])
    } finally {
      await Promise.all([aliceBus.close(), bobBus.close()])
    }
  }, 120_000)
})
