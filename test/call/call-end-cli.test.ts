import {execFileSync} from 'node:child_process'
import {randomUUID} from 'node:crypto'

import {afterEach, describe, expect, inject, it} from 'vitest'

import {ERRORS} from '../../src/foundation/errors.js'
import {killAll, lineLog, pressCtrlC, startCli} from '../support/cli.js'

/**
 * How a call ends, told truthfully on both sides (issue 14, item 5; issue 15's Ctrl-C in `ivc listen`): real `ivc
 * listen` and `ivc call` processes, their components, Redis and TCP. Video only at a small size, uncompressed: the end of a
 * call is what is under test, and fewer processes, none loading a codec library, start faster on a busy host.
 */
const redis = inject('redisUrl')
const name = (prefix: string) => `${prefix}${randomUUID().slice(0, 6)}`
const common = ['--redis', redis, '--address', '127.0.0.1', '--heartbeat-ms', '200', '--expiry-ms', '1000', '--no-audio', '--size', '160x120', '--video-connections', '2', '--video-codec', 'raw']

afterEach(killAll)

async function listen(user: string, options: {terminal?: boolean} = {}) {
  const child = startCli(['listen', '--user', user, '--port', '0', '--auto-accept', '--json', ...common], options)
  const log = lineLog(child)
  await log.waitFor((line) => line.includes('"event":"listening"'))
  const events = (event: string, from = 0) => log.waitFor((line) => line.includes(`"event":"${event}"`), 60_000, from).then((line) => JSON.parse(line))
  return {child, events, mark: () => log.lines.length}
}

/** `ivc call` from `caller` to `callee`, and the callee's call.media-up for it (media crossed): the call is up. */
async function callUp(caller: string, callee: Awaited<ReturnType<typeof listen>>, options: {terminal?: boolean} = {}) {
  const mark = callee.mark()
  const call = startCli(['call', callee.name, '--user', caller, '--json', ...common], options)
  const up = await callee.events('call.media-up', mark)
  return {call, callId: up.callId as string, mark}
}

/** The pid of the component of `user` in call `callId` whose command line matches. */
function componentPid(callId: string, user: string, match: (line: string) => boolean): number {
  const lines = execFileSync('ps', ['-eo', 'pid,args'], {encoding: 'utf8'}).split('\n')
  const line = lines.find((each) => each.includes(callId) && each.includes(`--user ${user}`) && match(each))
  if (!line) throw new Error(`no component of ${user} in call ${callId} matches`)
  return Number(line.trim().split(/\s+/)[0])
}

const videoReceiver = (line: string) => line.includes('stream-video') && line.includes('--listen')
const videoSender = (line: string) => line.includes('stream-video') && !line.includes('--listen')

describe('how a call ends, as both sides report it', () => {
  it('a component of the peer crashes: ivc call exits PEER_GONE; one of ours crashes: COMPONENT_FAILED', async () => {
    const bob = name('bob')
    const alice = name('alice')
    const listener = Object.assign(await listen(bob), {name: bob})
    const first = await callUp(alice, listener)
    process.kill(componentPid(first.callId, bob, videoReceiver), 'SIGKILL')
    const peerCrash = await first.call
    expect(peerCrash.exitCode, peerCrash.stderr).toBe(ERRORS.PEER_GONE.exit)
    expect(JSON.parse(peerCrash.stdout)).toMatchObject({callId: first.callId, endCode: expect.stringMatching(/^(peer-failed|peer-gone)$/)})
    expect(await listener.events('call.ended', first.mark)).toMatchObject({callId: first.callId, code: 'component-crashed'})

    const second = await callUp(alice, listener)
    process.kill(componentPid(second.callId, alice, videoSender), 'SIGKILL')
    const ownCrash = await second.call
    expect(ownCrash.exitCode, ownCrash.stderr).toBe(ERRORS.COMPONENT_FAILED.exit)
    expect(ownCrash.stderr).toContain('[COMPONENT_FAILED]')
    expect(JSON.parse(ownCrash.stdout.split('\n')[0])).toMatchObject({callId: second.callId, endCode: 'component-crashed'})
    expect(await listener.events('call.ended', second.mark)).toMatchObject({callId: second.callId, code: expect.stringMatching(/^(peer-failed|peer-gone)$/)})
  }, 180_000)

  it('Ctrl-C in ivc call is a hang-up by the caller, on both sides', async () => {
    const bob = name('bob')
    const alice = name('alice')
    const listener = Object.assign(await listen(bob), {name: bob})
    const {call, callId, mark} = await callUp(alice, listener, {terminal: true})
    pressCtrlC(call)
    const result = await call
    expect(result.exitCode, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({callId, endCode: 'hangup', endReason: 'Ctrl-C'})
    expect(await listener.events('call.ended', mark)).toMatchObject({callId, code: 'remote-hangup', reason: `${alice} hung up: Ctrl-C`})
  }, 120_000)

  it('Ctrl-C in ivc listen hangs up the call in progress and keeps listening; Ctrl-C with no call quits', async () => {
    const bob = name('bob')
    const alice = name('alice')
    const listener = Object.assign(await listen(bob, {terminal: true}), {name: bob})
    const first = await callUp(alice, listener)
    pressCtrlC(listener.child)
    const result = await first.call
    expect(result.exitCode, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({callId: first.callId, endCode: 'remote-hangup', endReason: `${bob} hung up: Ctrl-C`})
    expect(await listener.events('call.ended', first.mark)).toMatchObject({callId: first.callId, code: 'hangup', reason: 'Ctrl-C'})

    // Still listening: the next call gets through, and Ctrl-C hangs it up too.
    const second = await callUp(alice, listener)
    pressCtrlC(listener.child)
    expect(JSON.parse((await second.call).stdout)).toMatchObject({callId: second.callId, endCode: 'remote-hangup'})
    await listener.events('call.ended', second.mark)
    // No call now: Ctrl-C quits, cleanly.
    pressCtrlC(listener.child)
    const quit = await listener.child
    expect({exitCode: quit.exitCode, signal: quit.signal}).toEqual({exitCode: 0, signal: undefined})
  }, 180_000)
})
