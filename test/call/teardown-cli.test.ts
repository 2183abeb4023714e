import {randomUUID} from 'node:crypto'
import {join} from 'node:path'

import {afterAll, afterEach, describe, expect, inject, it} from 'vitest'

import {Bus} from '../../src/bus/bus.js'
import {ERRORS} from '../../src/foundation/errors.js'
import {readIdentity} from '../../src/security/identity-file.js'
import {killAll, lineLog, startCli, TEST_CONFIG_HOME} from '../support/cli.js'
import {recordingLogger} from '../support/logger.js'

/**
 * Issue 14's crash at hang-up: a call's video receiver aborted (SIGTRAP, V8 "Check failed: marking_done_") as short
 * calls ended. 12 calls as short as the protocol allows (the crash itself is reproduced in seconds by
 * test/plugins/opencv-gc.test.ts; this is the whole path, kept small so the suite stays cheap to repeat): each is hung up as soon as media is up on both sides, and
 * every process of every call, on both sides, must have ended with a status (0, or PEER_GONE for a sender whose
 * receiver stopped first), never by a crash signal nor by the SIGKILL after the stop grace (see the last check). The cheapest calls
 * that still go through the path that crashed: video only (JPEG, `--video-codec jpeg`, decoded by the receiver's null sink with OpenCV's
 * async calls), small frames, two lanes; both users run `ivc listen`, so a call is a bus request and no `ivc call`
 * process starts; PAIRS caller/callee pairs call at once, CALLS / PAIRS calls each.
 */
const CALLS = 12
const PAIRS = 2
const redis = inject('redisUrl')
const name = (prefix: string) => `${prefix}${randomUUID().slice(0, 6)}`
const common = ['--redis', redis, '--address', '127.0.0.1', '--heartbeat-ms', '200', '--expiry-ms', '1000', '--no-audio', '--video-codec', 'jpeg', '--size', '160x120', '--video-connections', '2']
const buses: Bus[] = []

afterEach(killAll)
afterAll(async () => {
  await Promise.all(buses.map((bus) => bus.close()))
})

/** A component's end as its supervisor logs it (info): "[ivc listen] info: video receiver exited (exit 0)". */
const EXIT_LINE = /\] info: (video receiver|video sender|control) exited \((exit (\d+)|SIG[A-Z]+)\)$/

async function listener(user: string) {
  const child = startCli(['listen', '--user', user, '--port', '0', '--auto-accept', '--json', '--log-level', 'info', ...common])
  const log = lineLog(child)
  const stderr = lineLog(child, 'stderr')
  const listening = JSON.parse(await log.waitFor((line) => line.includes('"event":"listening"')))
  const bus = await Bus.connect({redis, user, component: 'test', logger: recordingLogger()})
  buses.push(bus)
  return {
    user,
    port: listening.port as number,
    /** Made by its `ivc listen` on first use; a caller's accept check needs it, as `ivc call` takes it from the directory. */
    publicKey: readIdentity(join(TEST_CONFIG_HOME, 'ivc'), user)!.identity.publicKey,
    bus,
    /** The first `event` of call `callId` this listener printed. */
    event: async (event: string, callId: string) => JSON.parse(await log.waitFor((line) => line.includes(`"event":"${event}"`) && line.includes(`"callId":"${callId}"`))),
    /** Once `count` components have ended: how each did (even one stopped after its call's teardown timer). */
    async exits(count: number) {
      await stderr.waitFor(() => stderr.lines.filter((line) => EXIT_LINE.test(line)).length >= count)
      return stderr.lines.flatMap((line) => {
        const match = EXIT_LINE.exec(line)
        return match ? [{user, component: match[1], code: match[3] === undefined ? null : Number(match[3]), signal: match[3] === undefined ? match[2] : null}] : []
      })
    },
  }
}

type Listener = Awaited<ReturnType<typeof listener>>

/** caller calls callee, and callee hangs up once a frame has arrived on both sides; returns both sides' end codes. */
async function shortCall(caller: Listener, callee: Listener): Promise<{callId: string; codes: string[]}> {
  const {callId} = await caller.bus.request('call', 'call.dial', {peer: callee.user, host: '127.0.0.1', port: callee.port, publicKey: callee.publicKey}, {timeoutMs: 60_000})
  // The first video frame each way: every process of the call has started, connected and worked (a process stopped
  // while it still starts is another story), and the receivers have decoded with OpenCV.
  await Promise.all([caller.event('call.first-frame', callId), callee.event('call.first-frame', callId)])
  await callee.bus.request('call', 'call.hangup', {reason: 'short call'}, {timeoutMs: 60_000})
  const ended = await Promise.all([caller.event('call.ended', callId), callee.event('call.ended', callId)])
  return {callId, codes: ended.map((event) => event.code)}
}

describe('hanging up', () => {
  it(`ends every component of ${CALLS} short calls cleanly, on both sides`, async () => {
    const pairs = await Promise.all(Array.from({length: PAIRS}, async () => Promise.all([listener(name('alice')), listener(name('bob'))])))
    const calls = await Promise.all(
      pairs.map(async ([caller, callee]) => {
        const done = []
        for (let i = 0; i < CALLS / PAIRS; i++) done.push(await shortCall(caller, callee))
        return done
      }),
    )
    // Every call ended as hung up, on both sides.
    expect(calls.flat().filter(({codes}) => codes.join() !== 'remote-hangup,hangup')).toEqual([])
    // Every side of every call had its three processes (video receiver and sender, control), and each ended cleanly.
    const exits = (await Promise.all(pairs.flat().map((side) => side.exits(3 * (CALLS / PAIRS))))).flat()
    expect(exits).toHaveLength(2 * 3 * CALLS)
    // A crash (SIGTRAP, SIGSEGV, SIGABRT), a component killed after the stop grace (SIGKILL) or an error status fails.
    // Open (issue 14 notes): on a host loaded 15-30 on two cores, a few of the processes (0-7 of 180 in a run of 30 calls) die of the
    // very SIGTERM their supervisor stopped them with, instead of handling it; such a process did stop as asked.
    expect(exits.filter(({code, signal}) => (signal !== null && signal !== 'SIGTERM') || (signal === null && code !== 0 && code !== ERRORS.PEER_GONE.exit))).toEqual([])
  }, 300_000)
})
