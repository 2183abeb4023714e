import {execFileSync} from 'node:child_process'
import {randomUUID} from 'node:crypto'

import {afterEach, describe, expect, inject, it} from 'vitest'

import {ERRORS} from '../../src/cli/errors.js'
import {killAll, lineLog, runCli, startCli} from '../support/cli.js'

const redis = inject('redisUrl')
const name = (prefix: string) => `${prefix}${randomUUID().slice(0, 6)}`
const common = ['--redis', redis, '--address', '127.0.0.1', '--heartbeat-ms', '200', '--expiry-ms', '1000', '--size', '320x240', '--video-connections', '4', '--audio-connections', '2']

afterEach(killAll)

/** Start `ivc listen` for `user` and wait until it is listening; returns the process and its stdout lines. */
async function listen(user: string, extra: string[] = []) {
  const child = startCli(['listen', '--user', user, '--port', '0', '--json', ...common, ...extra])
  const log = lineLog(child)
  await log.waitFor((line) => line.includes('"event":"listening"'))
  return {child, waitFor: log.waitFor, mark: () => log.lines.length}
}

/** ivc processes whose command line mentions `text` (a call id): none may outlive a call. */
function processesWith(text: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], {encoding: 'utf8'})
  return out.split('\n').filter((line) => line.includes(text) && line.includes('run.js'))
}

describe('calls between two real peers (processes, Redis, TCP)', () => {
  it('carries video and audio both ways, shows toggles to the peer, and takes a second call on the same listener', async () => {
    const bob = name('bob')
    const alice = name('alice')
    const listener = await listen(bob, ['--auto-accept'])
    const first = startCli(['call', bob, '--user', alice, '--duration', '4', '--json', ...common])
    await listener.waitFor((line) => line.includes('"call.media-up"'), 30_000)
    const off = await runCli(['control', 'video-off', '--user', alice, '--redis', redis, '--json'])
    expect(off.exitCode).toBe(0)
    expect(JSON.parse(off.stdout)).toMatchObject({state: 'in-call', sending: {local: {video: false}}})
    await listener.waitFor((line) => line.includes('"call.media"') && line.includes('"side":"peer"') && line.includes('"on":false'))
    const status = await runCli(['control', 'status', '--user', bob, '--redis', redis, '--json'])
    expect(JSON.parse(status.stdout)).toMatchObject({state: 'in-call', peer: alice, sending: {peer: {video: false, audio: true}}})
    // A text message crosses the control connection; the peer's call component shows it.
    const chat = await runCli(['control', 'chat', 'hello bob', '--user', alice, '--redis', redis, '--json'])
    expect(chat.exitCode, chat.stderr).toBe(0)
    expect(JSON.parse(chat.stdout)).toMatchObject({state: 'in-call', sent: 'chat'})
    const heard = await listener.waitFor((line) => line.includes('"call.chat"'))
    expect(JSON.parse(heard)).toMatchObject({event: 'call.chat', peer: alice, direction: 'in', text: 'hello bob'})
    const empty = await runCli(['control', 'chat', '--user', alice, '--redis', redis])
    expect(empty.exitCode).toBe(ERRORS.BAD_USAGE.exit)
    expect(empty.stderr).toContain('chat needs a message')
    const result = await first
    expect(result.exitCode).toBe(0)
    const summary = JSON.parse(result.stdout)
    expect(summary).toMatchObject({peer: bob, role: 'caller', endCode: 'hangup'})
    expect(summary.video.frames).toBeGreaterThan(10)
    expect(summary.audio.frames).toBeGreaterThan(50)
    // The jitter buffer may skip a frame at the start to bring its delay down; nothing may play backwards.
    expect(summary.audio.sink.continuity.backwards).toBe(0)
    expect(summary.audio.sink.continuity.missing).toBeLessThanOrEqual(2)
    const bobEnded = await listener.waitFor((line) => line.includes('"call.ended"'))
    expect(JSON.parse(bobEnded).summary.video.frames).toBeGreaterThan(10)

    const second = await runCli(['call', bob, '--user', alice, '--duration', '2', '--json', ...common], {timeoutMs: 30_000})
    expect(second.exitCode).toBe(0)
    expect(JSON.parse(second.stdout).audio.frames).toBeGreaterThan(20)
    expect(processesWith(summary.callId)).toEqual([])
  })

  it('places the call through the user\'s running ivc listen when there is one', async () => {
    const gina = name('gina')
    const alice = name('alice')
    const callee = await listen(gina, ['--auto-accept'])
    const caller = await listen(alice)
    const result = await runCli(['call', gina, '--user', alice, '--duration', '2', '--json', ...common], {timeoutMs: 30_000})
    expect(result.exitCode, result.stderr).toBe(0)
    const summary = JSON.parse(result.stdout)
    expect(summary).toMatchObject({peer: gina, role: 'caller', endCode: 'hangup'})
    expect(summary.video.frames).toBeGreaterThan(10)
    // The call ran inside alice's listener: its own events show it, and it is back to listening afterwards.
    const ended = JSON.parse(await caller.waitFor((line) => line.includes('"call.ended"')))
    expect(ended.callId).toBe(summary.callId)
    await callee.waitFor((line) => line.includes('"call.ended"'))
    const status = await runCli(['control', 'status', '--user', alice, '--redis', redis, '--json'])
    expect(JSON.parse(status.stdout)).toMatchObject({state: 'listening'})
  })

  it('says plainly when the user is unknown, or declines', async () => {
    const unknown = await runCli(['call', name('zed'), '--user', name('alice'), ...common])
    expect(unknown.exitCode).toBe(ERRORS.UNKNOWN_USER.exit)
    expect(unknown.stderr).toContain('[UNKNOWN_USER]')
    for (const bad of [['--size', '1920*1080'], ['--size', '9000x9000'], ['--address', 'not an address']]) {
      const result = await runCli(['call', 'bob', '--user', name('alice'), ...common, ...bad])
      expect(result.exitCode, bad.join(' ')).toBe(ERRORS.BAD_USAGE.exit)
      expect(result.stderr.trim().split('\n'), bad.join(' ')).toHaveLength(2)
    }

    const carol = name('carol')
    const listener = await listen(carol, ['--auto-reject'])
    const rejected = await runCli(['call', carol, '--user', name('alice'), '--json', ...common])
    expect(rejected.exitCode).toBe(ERRORS.CALL_REJECTED.exit)
    expect(JSON.parse(rejected.stdout.split('\n')[0])).toMatchObject({endCode: 'rejected'})
  })

  it('times out a call nobody answers and hangs up from the callee side with ivc control', async () => {
    const dave = name('dave')
    const alice = name('alice')
    const listener = await listen(dave)
    const unanswered = await runCli(['call', dave, '--user', alice, '--timeout', '1', '--json', ...common])
    expect(unanswered.exitCode).toBe(ERRORS.CALL_TIMEOUT.exit)

    const mark = listener.mark()
    const call = startCli(['call', dave, '--user', alice, '--json', ...common])
    await listener.waitFor((line) => line.includes('"call.incoming"'), 10_000, mark)
    expect((await runCli(['control', 'accept', '--user', dave, '--redis', redis])).exitCode).toBe(0)
    await listener.waitFor((line) => line.includes('"call.media-up"'), 30_000)
    expect((await runCli(['control', 'hangup', '--user', dave, '--redis', redis])).exitCode).toBe(0)
    const result = await call
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({endCode: 'remote-hangup'})
    const noCall = await runCli(['control', 'hangup', '--user', dave, '--redis', redis])
    expect(noCall.exitCode).toBe(ERRORS.NO_CALL.exit)
    const noChat = await runCli(['control', 'chat', 'anyone?', '--user', dave, '--redis', redis])
    expect(noChat.exitCode).toBe(ERRORS.NO_CALL.exit)
    expect(noChat.stderr).toContain('no call in progress')
  })

  it('ends the call on the other side when a whole peer is killed, leaving no process behind', async () => {
    const erin = name('erin')
    const alice = name('alice')
    const listener = await listen(erin, ['--auto-accept'])
    const call = startCli(['call', erin, '--user', alice, '--json', ...common])
    const up = await listener.waitFor((line) => line.includes('"call.media-up"'), 30_000)
    const callId = JSON.parse(up).callId as string
    listener.child.kill('SIGKILL')
    const result = await call
    expect(result.exitCode).toBe(ERRORS.PEER_GONE.exit)
    expect(JSON.parse(result.stdout)).toMatchObject({callId, endCode: expect.stringMatching(/peer-gone|control-lost|component-crashed/)})
    await expect.poll(() => processesWith(callId), {timeout: 10_000}).toEqual([])
  })

  it('refuses a second caller with busy, and a caller who gives up cancels the ringing call', async () => {
    const hank = name('hank')
    const alice = name('alice')
    const listener = await listen(hank, ['--auto-accept'])
    const first = startCli(['call', hank, '--user', alice, '--json', ...common])
    await listener.waitFor((line) => line.includes('"call.media-up"'), 30_000)
    const busy = await runCli(['call', hank, '--user', name('carol'), '--json', ...common])
    expect(busy.exitCode).toBe(ERRORS.CALL_BUSY.exit)
    expect(JSON.parse(busy.stdout.split('\n')[0])).toMatchObject({endCode: 'busy'})
    expect((await runCli(['control', 'hangup', '--user', alice, '--redis', redis])).exitCode).toBe(0)
    expect((await first).exitCode).toBe(0)

    const ivan = name('ivan')
    const ringing = await listen(ivan)
    const caller = startCli(['call', ivan, '--user', alice, '--json', ...common])
    await ringing.waitFor((line) => line.includes('"call.incoming"'))
    caller.kill('SIGINT')
    const cancelled = await caller
    expect(JSON.parse(cancelled.stdout)).toMatchObject({endCode: 'cancelled'})
    const ended = JSON.parse(await ringing.waitFor((line) => line.includes('"call.ended"')))
    expect(ended).toMatchObject({code: 'remote-cancelled', peer: alice})
  })

  const components = [
    {label: 'the callee\'s video sender', side: 'callee', ends: /^component-crashed$/, match: (line: string) => line.includes('stream-video') && line.includes('--to')},
    {label: 'the callee\'s audio receiver', side: 'callee', ends: /^component-crashed$/, match: (line: string) => line.includes('stream-audio') && line.includes('--listen')},
    // The caller notices first and hangs up; the callee hears the hang-up or loses the control connection.
    {label: 'the caller\'s control component', side: 'caller', ends: /^(remote-hangup|control-lost|peer-gone)$/, match: (line: string) => line.includes(' control run ')},
  ] as const

  it.each(components)('ends the call on both sides when $label is killed, and listens again', async ({side, ends, match}) => {
    const fred = name('fred')
    const alice = name('alice')
    const listener = await listen(fred, ['--auto-accept'])
    const call = startCli(['call', fred, '--user', alice, '--json', ...common])
    const up = await listener.waitFor((line) => line.includes('"call.media-up"'), 30_000)
    const callId = JSON.parse(up).callId as string
    const owner = side === 'callee' ? fred : alice
    const victim = processesWith(callId).find((line) => match(line) && line.includes(`--user ${owner}`))
    expect(victim).toBeDefined()
    process.kill(Number(victim!.trim().split(/\s+/)[0]), 'SIGKILL')
    const ended = JSON.parse(await listener.waitFor((line) => line.includes('"call.ended"')))
    expect(ended.code).toMatch(ends)
    const result = await call
    expect(JSON.parse(result.stdout)).toMatchObject({callId})
    await expect.poll(() => processesWith(callId), {timeout: 10_000}).toEqual([])
    const again = await runCli(['call', fred, '--user', alice, '--duration', '1', '--json', ...common], {timeoutMs: 30_000})
    expect(again.exitCode).toBe(0)
  })
})
