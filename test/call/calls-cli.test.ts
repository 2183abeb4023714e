import {randomUUID} from 'node:crypto'

import type {ResultPromise} from 'execa'
import {afterAll, describe, type ExpectStatic, inject, it, vi} from 'vitest'

import {Bus} from '../../src/bus/bus.js'
import {ERRORS} from '../../src/foundation/errors.js'
import {killAll, lineLog, runCli, startCli} from '../support/cli.js'
import {recordingLogger} from '../support/logger.js'
import {ivcProcessesWith, PS_POLL_MS} from '../support/processes.js'

const redis = inject('redisUrl')
const name = (prefix: string) => `${prefix}${randomUUID().slice(0, 6)}`
const common = ['--redis', redis, '--address', '127.0.0.1', '--heartbeat-ms', '200', '--expiry-ms', '1000', '--size', '320x240', '--video-connections', '4', '--audio-connections', '2']
// For the cases about the call itself (ringing, time-out, busy, a dead component), not its media: half the processes,
// and the codecs every ivc has, so that no process of theirs loads node-av (~0.15 s of CPU each) for nothing.
const audioMedia = ['--no-video', '--audio-codec', 'pcm']
const audioOnly = [...common, ...audioMedia]

// The cases run two at a time (below), so none may kill the others' processes when it ends.
afterAll(killAll)
// Two at a time: a case spends most of its time waiting on its processes, so two keep the cores busy. More at once
// gain little on two cores and cost CPU: a call's media costs CPU for as long as it is up (~0.6 s per second for a
// 320x240 call with audio), and a busier host keeps each call up longer; all seven at once starved signalling
// handshakes past their 5 s deadline. vitest resets this after the file.
vi.setConfig({maxConcurrency: 2})

/** Start `ivc listen` for `user` and wait until it is listening; returns the process and its stdout lines. */
async function listen(user: string, extra: string[] = []) {
  const child = startCli(['listen', '--user', user, '--port', '0', '--json', ...common, ...extra])
  const log = lineLog(child)
  await log.waitFor((line) => line.includes('"event":"listening"'))
  return {child, waitFor: log.waitFor, mark: () => log.lines.length}
}

type Listener = Awaited<ReturnType<typeof listen>>

/**
 * Resolves once `user`'s call components report (their stats events on the bus) that both the video and the audio
 * receiver have frames: media crossed to that user, however long starting the components took on this host.
 */
async function mediaReached(user: string, timeoutMs = 60_000): Promise<void> {
  const bus = await Bus.connect({redis, user, component: 'test', logger: recordingLogger()})
  try {
    const got = new Set<string>()
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${user}'s receivers reported no ${['video', 'audio'].filter((kind) => !got.has(kind)).join(' or ')} frames within ${timeoutMs} ms`)), timeoutMs)
      const onStats = (kind: string) => (envelope: {body: unknown}) => {
        const body = envelope.body as {role?: string; frames?: number}
        if (body.role === 'receiver' && (body.frames ?? 0) > 0) got.add(kind)
        if (got.size === 2) {
          clearTimeout(timer)
          resolve()
        }
      }

      Promise.all([bus.subscribe('video-stats', onStats('video')), bus.subscribe('audio-stats', onStats('audio'))]).catch(reject)
    })
  } finally {
    await bus.close()
  }
}

// Each case has its own users, listeners and calls, so they run side by side: most of a case's time is waiting for
// processes to start and connect, which leaves the cores free for the others.
describe.concurrent('calls between two real peers (processes, Redis, TCP)', () => {
  it('carries video and audio both ways, shows toggles to the peer, and takes a second call on the same listener', async ({expect}) => {
    const bob = name('bob')
    const alice = name('alice')
    // A control command with no message is refused before it looks for a call: it needs none of what follows.
    const empty = runCli(['control', 'chat', '--user', alice, '--redis', redis])
    const listener = await listen(bob, ['--auto-accept'])
    // No --duration: the call lasts until alice hangs up, after everything below has been seen.
    const first = startCli(['call', bob, '--user', alice, '--json', ...common])
    await listener.waitFor((line) => line.includes('"call.media-up"'))
    await Promise.all([mediaReached(bob), mediaReached(alice)])
    // The stats table, the video toggle and the chat each use a process of their own: they run side by side.
    const statsRun = runCli(['control', 'stats', '--user', alice, '--redis', redis])
    const chatRun = runCli(['control', 'chat', 'hello bob', '--user', alice, '--redis', redis, '--json'])
    const off = await runCli(['control', 'video-off', '--user', alice, '--redis', redis, '--json'])
    expect(off.exitCode, off.stderr).toBe(0)
    expect(JSON.parse(off.stdout)).toMatchObject({state: 'in-call', sending: {local: {video: false}}})
    await listener.waitFor((line) => line.includes('"call.media"') && line.includes('"side":"peer"') && line.includes('"on":false'))
    const status = await runCli(['control', 'status', '--user', bob, '--redis', redis, '--json'])
    expect(JSON.parse(status.stdout)).toMatchObject({state: 'in-call', peer: alice, sending: {peer: {video: false, audio: true}}})
    // On a terminal (no --json) stats are a table: a row per stream and direction that has reported.
    const stats = await statsRun
    expect(stats.stdout).toContain(`peer: ${bob}`)
    expect(stats.stdout).toMatch(/^stream +frames +fps +kbit\/s +latency p50\/p95 +notes$/m)
    expect(stats.stdout).toMatch(/^video in \(\w+\) +\d+ /m)
    // Audio's row names its codec, the one the call agreed on.
    expect(stats.stdout).toMatch(/^audio in \((opus|pcm)\) +\d+ /m)
    // A text message crosses the control connection; the peer's call component shows it.
    const chat = await chatRun
    expect(chat.exitCode, chat.stderr).toBe(0)
    expect(JSON.parse(chat.stdout)).toMatchObject({state: 'in-call', sent: 'chat'})
    const heard = await listener.waitFor((line) => line.includes('"call.chat"'))
    expect(JSON.parse(heard)).toMatchObject({event: 'call.chat', peer: alice, direction: 'in', text: 'hello bob'})
    const refused = await empty
    expect(refused.exitCode).toBe(ERRORS.BAD_USAGE.exit)
    expect(refused.stderr).toContain('chat needs a message')
    expect((await runCli(['control', 'hangup', '--user', alice, '--redis', redis])).exitCode).toBe(0)
    const result = await first
    expect(result.exitCode, result.stderr).toBe(0)
    const summary = JSON.parse(result.stdout)
    expect(summary).toMatchObject({peer: bob, role: 'caller', endCode: 'hangup'})
    expect(summary.video.frames).toBeGreaterThan(0)
    expect(summary.video.outOfOrder).toBe(0)
    expect(summary.audio.frames).toBeGreaterThan(0)
    // Whatever the jitter buffer skipped or concealed on a busy host, nothing may play backwards.
    expect(summary.audio.sink.continuity.backwards).toBe(0)
    const bobEnded = JSON.parse(await listener.waitFor((line) => line.includes('"call.ended"')))
    expect(bobEnded).toMatchObject({code: 'remote-hangup', summary: {video: {outOfOrder: 0}}})
    expect(bobEnded.summary.video.frames).toBeGreaterThan(0)

    // The same listener takes a second call once the first is over.
    const mark = listener.mark()
    const second = startCli(['call', bob, '--user', alice, '--json', ...common])
    await listener.waitFor((line) => line.includes('"call.media-up"'), 60_000, mark)
    await mediaReached(alice)
    expect((await runCli(['control', 'hangup', '--user', alice, '--redis', redis])).exitCode).toBe(0)
    const again = await second
    expect(again.exitCode, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout).audio.frames).toBeGreaterThan(0)
    await expect.poll(() => ivcProcessesWith(summary.callId), {timeout: 60_000, interval: PS_POLL_MS}).toEqual([])
  }, 180_000)

  it('places the call through the user\'s running ivc listen when there is one', async ({expect}) => {
    const gina = name('gina')
    const alice = name('alice')
    const [callee, caller] = await Promise.all([listen(gina, ['--auto-accept']), listen(alice)])
    const call = startCli(['call', gina, '--user', alice, '--json', ...common])
    await callee.waitFor((line) => line.includes('"call.media-up"'))
    await mediaReached(alice)
    expect((await runCli(['control', 'hangup', '--user', alice, '--redis', redis])).exitCode).toBe(0)
    const result = await call
    expect(result.exitCode, result.stderr).toBe(0)
    const summary = JSON.parse(result.stdout)
    expect(summary).toMatchObject({peer: gina, role: 'caller', endCode: 'hangup'})
    expect(summary.video.frames).toBeGreaterThan(0)
    // The call ran inside alice's listener: its own events show it, and it is back to listening afterwards.
    const ended = JSON.parse(await caller.waitFor((line) => line.includes('"call.ended"')))
    expect(ended.callId).toBe(summary.callId)
    await callee.waitFor((line) => line.includes('"call.ended"'))
    const status = await runCli(['control', 'status', '--user', alice, '--redis', redis, '--json'])
    expect(JSON.parse(status.stdout)).toMatchObject({state: 'listening'})
  }, 120_000)

  it('says plainly when the user is unknown, or declines', async ({expect}) => {
    const carol = name('carol')
    // Each of these is a process of its own that fails by itself: they run side by side.
    const declining = listen(carol, ['--auto-reject'])
    const [unknown, bads] = await Promise.all([
      runCli(['call', name('zed'), '--user', name('alice'), ...common]),
      Promise.all([['--size', '1920*1080'], ['--size', '9000x9000'], ['--address', 'not an address']].map(async (bad) => ({bad, result: await runCli(['call', 'bob', '--user', name('alice'), ...common, ...bad])}))),
    ])
    expect(unknown.exitCode).toBe(ERRORS.UNKNOWN_USER.exit)
    expect(unknown.stderr).toContain('[UNKNOWN_USER]')
    for (const {bad, result} of bads) {
      expect(result.exitCode, bad.join(' ')).toBe(ERRORS.BAD_USAGE.exit)
      expect(result.stderr.trim().split('\n'), bad.join(' ')).toHaveLength(2)
    }

    await declining
    const rejected = await runCli(['call', carol, '--user', name('alice'), '--json', ...common])
    expect(rejected.exitCode, rejected.stderr).toBe(ERRORS.CALL_REJECTED.exit)
    expect(JSON.parse(rejected.stdout.split('\n')[0])).toMatchObject({endCode: 'rejected'})
  }, 120_000)

  it('times out a call nobody answers, hangs up from the callee side with ivc control, and a caller who gives up cancels the ringing call', async ({expect}) => {
    const dave = name('dave')
    const alice = name('alice')
    const listener = await listen(dave, audioMedia)
    const unanswered = await runCli(['call', dave, '--user', alice, '--timeout', '1', '--json', ...audioOnly])
    expect(unanswered.exitCode).toBe(ERRORS.CALL_TIMEOUT.exit)

    let mark = listener.mark()
    const call = startCli(['call', dave, '--user', alice, '--json', ...audioOnly])
    await listener.waitFor((line) => line.includes('"call.incoming"'), 60_000, mark)
    expect((await runCli(['control', 'accept', '--user', dave, '--redis', redis])).exitCode).toBe(0)
    await listener.waitFor((line) => line.includes('"call.media-up"'))
    expect((await runCli(['control', 'hangup', '--user', dave, '--redis', redis])).exitCode).toBe(0)
    const result = await call
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({endCode: 'remote-hangup'})
    const [noCall, noChat] = await Promise.all([runCli(['control', 'hangup', '--user', dave, '--redis', redis]), runCli(['control', 'chat', 'anyone?', '--user', dave, '--redis', redis])])
    expect(noCall.exitCode).toBe(ERRORS.NO_CALL.exit)
    expect(noChat.exitCode).toBe(ERRORS.NO_CALL.exit)
    expect(noChat.stderr).toContain('no call in progress')

    // The same listener rings again; the caller gives up (Ctrl-C) before anyone answers.
    mark = listener.mark()
    const caller = startCli(['call', dave, '--user', alice, '--json', ...audioOnly])
    await listener.waitFor((line) => line.includes('"call.incoming"'), 60_000, mark)
    caller.kill('SIGINT')
    const cancelled = await caller
    expect(JSON.parse(cancelled.stdout)).toMatchObject({endCode: 'cancelled'})
    const ended = JSON.parse(await listener.waitFor((line) => line.includes('"call.ended"'), 60_000, mark))
    expect(ended).toMatchObject({code: 'remote-cancelled', peer: alice})
  }, 120_000)

  it('ends the call on the other side when a whole peer is killed, leaving no process behind', async ({expect}) => {
    const erin = name('erin')
    const alice = name('alice')
    const listener = await listen(erin, ['--auto-accept'])
    const call = startCli(['call', erin, '--user', alice, '--json', ...common])
    const up = await listener.waitFor((line) => line.includes('"call.media-up"'))
    const callId = JSON.parse(up).callId as string
    listener.child.kill('SIGKILL')
    const result = await call
    expect(result.exitCode).toBe(ERRORS.PEER_GONE.exit)
    expect(JSON.parse(result.stdout)).toMatchObject({callId, endCode: expect.stringMatching(/peer-gone|control-lost|component-crashed/)})
    await expect.poll(() => ivcProcessesWith(callId), {timeout: 60_000, interval: PS_POLL_MS}).toEqual([])
  }, 120_000)

  /**
   * `call` (the caller's `ivc call`) gets media up on `listener` (in the lines from `from` on); then `victim`'s
   * component of it is killed: the call ends on both sides, the listener's side with a code that matches `ends`, and
   * no process of the call is left.
   */
  async function killedComponent(expect: ExpectStatic, listener: Listener, call: ResultPromise, from: number, victim: {owner: string; ends: RegExp; match: (line: string) => boolean}) {
    const up = await listener.waitFor((line) => line.includes('"call.media-up"'), 60_000, from)
    const callId = JSON.parse(up).callId as string
    const component = (await ivcProcessesWith(callId)).find((line) => victim.match(line) && line.includes(`--user ${victim.owner}`))
    expect(component).toBeDefined()
    process.kill(Number(component!.trim().split(/\s+/)[0]), 'SIGKILL')
    const ended = JSON.parse(await listener.waitFor((line) => line.includes('"call.ended"'), 60_000, from))
    expect(ended.code).toMatch(victim.ends)
    const result = await call
    expect(JSON.parse(result.stdout)).toMatchObject({callId})
    await expect.poll(() => ivcProcessesWith(callId), {timeout: 60_000, interval: PS_POLL_MS}).toEqual([])
  }

  // A call's senders learn where to send from their start line, so a sender is the stream component without --listen.
  const videoSender = (line: string) => line.includes('stream-video') && !line.includes('--listen')
  const audioReceiver = (line: string) => line.includes('stream-audio') && line.includes('--listen')
  const controlComponent = (line: string) => line.includes(' control run ')

  it('ends the call on both sides when the callee\'s video sender is killed, and listens again', async ({expect}) => {
    const fred = name('fred')
    const alice = name('alice')
    const media = ['--no-audio', '--video-codec', 'raw']
    const listener = await listen(fred, ['--auto-accept', ...media])
    const call = startCli(['call', fred, '--user', alice, '--json', ...common, ...media])
    await killedComponent(expect, listener, call, 0, {owner: fred, ends: /^component-crashed$/, match: videoSender})
    // fred listens again: a second call gets media up, and ends by a hang-up.
    const mark = listener.mark()
    const again = startCli(['call', fred, '--user', alice, '--json', ...common, ...media])
    await listener.waitFor((line) => line.includes('"call.media-up"'), 60_000, mark)
    expect((await runCli(['control', 'hangup', '--user', alice, '--redis', redis])).exitCode).toBe(0)
    expect((await again).exitCode).toBe(0)
  }, 120_000)

  // One audio-only listener for the busy case and two killed components: each next call on it is the check that it
  // listens again after the last one ended.
  it('refuses a second caller with busy; ends the call on both sides when the callee\'s audio receiver or the caller\'s control component is killed, and listens again', async ({expect}) => {
    const hank = name('hank')
    const alice = name('alice')
    const listener = await listen(hank, ['--auto-accept', ...audioMedia])
    const first = startCli(['call', hank, '--user', alice, '--json', ...audioOnly])
    await listener.waitFor((line) => line.includes('"call.media-up"'))
    const busy = await runCli(['call', hank, '--user', name('carol'), '--json', ...audioOnly])
    expect(busy.exitCode).toBe(ERRORS.CALL_BUSY.exit)
    expect(JSON.parse(busy.stdout.split('\n')[0])).toMatchObject({endCode: 'busy'})
    expect((await runCli(['control', 'hangup', '--user', alice, '--redis', redis])).exitCode).toBe(0)
    expect((await first).exitCode).toBe(0)

    const victims = [
      {owner: hank, ends: /^component-crashed$/, match: audioReceiver},
      // The caller notices first and tells the callee its side failed; or the callee loses the control connection first.
      {owner: alice, ends: /^(peer-failed|control-lost|peer-gone)$/, match: controlComponent},
    ]
    for (const victim of victims) {
      const mark = listener.mark()
      await killedComponent(expect, listener, startCli(['call', hank, '--user', alice, '--json', ...audioOnly]), mark, victim)
    }

    // hank listens again: a call gets media up, and ends by a hang-up.
    const mark = listener.mark()
    const again = startCli(['call', hank, '--user', alice, '--json', ...audioOnly])
    await listener.waitFor((line) => line.includes('"call.media-up"'), 60_000, mark)
    expect((await runCli(['control', 'hangup', '--user', alice, '--redis', redis])).exitCode).toBe(0)
    expect((await again).exitCode).toBe(0)
  }, 180_000)
})
