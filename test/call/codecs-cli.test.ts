import {randomUUID} from 'node:crypto'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, describe, expect, inject, it} from 'vitest'

import {Bus} from '../../src/bus/bus.js'
import {probeNodeAv, probeNodeAvVp8} from '../../src/plugins/native.js'
import {dominantFrequency} from '../audio/pcm-analysis.js'
import {killAll, lineLog, runCli, startCli} from '../support/cli.js'
import {recordingLogger} from '../support/logger.js'

/**
 * A call's codecs, negotiated in the offer (docs/protocol.md, "Formats"): real `ivc listen` and `ivc call` processes,
 * Redis and TCP, audio only (or video only, for VP8). "Without node-av" is IVC_DISABLE_NATIVE=node-av, as for `ivc stream-audio`.
 */
const redis = inject('redisUrl')
const opus = probeNodeAv().ok
const name = (prefix: string) => `${prefix}${randomUUID().slice(0, 6)}`
const common = ['--redis', redis, '--address', '127.0.0.1', '--heartbeat-ms', '200', '--expiry-ms', '1000', '--no-video', '--audio-connections', '2']
const WITHOUT_NODE_AV = {IVC_DISABLE_NATIVE: 'node-av'}

afterEach(killAll)

/** Resolves once a `topic` event on `user`'s bus passes `test` (`what` names it in the timeout's message). */
async function heard(user: string, topic: 'audio-stats' | 'video-stats', what: string, test: (body: Record<string, unknown>) => boolean, timeoutMs = 60_000): Promise<void> {
  const bus = await Bus.connect({redis, user, component: 'test', logger: recordingLogger()})
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${user}: no ${what} within ${timeoutMs} ms`)), timeoutMs)
      bus
        .subscribe(topic, (envelope) => {
          if (test(envelope.body as Record<string, unknown>)) {
            clearTimeout(timer)
            resolve()
          }
        })
        .catch(reject)
    })
  } finally {
    await bus.close()
  }
}

/** Resolves once `user`'s audio receiver has played `frames` frames (its stats on the bus). */
const played = (user: string, frames: number) =>
  heard(user, 'audio-stats', `audio receiver that played ${frames} frames`, (body) => body.role === 'receiver' && ((body.played as number | undefined) ?? 0) >= frames)

/** The body of `user`'s first `call.media-up` on the bus, as `up` (subscribed before this returns). */
async function mediaUp(user: string): Promise<{up: Promise<Record<string, unknown>>}> {
  const bus = await Bus.connect({redis, user, component: 'test', logger: recordingLogger()})
  let heard: (body: Record<string, unknown>) => void
  const up = new Promise<Record<string, unknown>>((resolve) => (heard = resolve))
  await bus.subscribe('call', (envelope) => envelope.type === 'call.media-up' && heard(envelope.body as Record<string, unknown>))
  return {up: up.finally(() => bus.close())}
}

/**
 * Bob listening (auto-accepting), alice calling him, each with `args` (bob also `bobArgs`): both sides' media-up, then
 * `check` in the call, then alice hangs up.
 */
async function call(options: {bobEnv?: Record<string, string>; aliceEnv?: Record<string, string>; common?: string[]; args?: string[]; bobArgs?: string[]; check(alice: string, bob: string): Promise<void>}) {
  const [alice, bob] = [name('alice'), name('bob')]
  const args = [...(options.common ?? common), ...(options.args ?? [])]
  const listener = startCli(['listen', '--user', bob, '--port', '0', '--json', '--auto-accept', '--frequency', '900', ...args, ...(options.bobArgs ?? [])], {env: options.bobEnv})
  const bobLog = lineLog(listener)
  await bobLog.waitFor((line) => line.includes('"event":"listening"'))
  const ups = await Promise.all([mediaUp(alice), mediaUp(bob)])
  const caller = startCli(['call', bob, '--user', alice, '--json', '--frequency', '600', ...args], {env: options.aliceEnv})
  const [aliceUp, bobUp] = await Promise.all(ups.map(({up}) => up))
  await options.check(alice, bob)
  expect((await runCli(['control', 'hangup', '--user', alice, '--redis', redis])).exitCode).toBe(0)
  const ended = await caller
  expect(ended.exitCode, String(ended.stderr)).toBe(0)
  const bobEnded = JSON.parse(await bobLog.waitFor((line) => line.includes('"call.ended"')))
  return {aliceUp, bobUp, aliceSummary: JSON.parse(String(ended.stdout).trim().split('\n').at(-1)!), bobSummary: bobEnded.summary}
}

/** `user`'s audio stats as `ivc control stats --json` gives them: what its sender and receiver last reported. */
async function audioStats(user: string): Promise<{sender?: {codec?: string}; receiver?: {codec?: string}}> {
  const stats = await runCli(['control', 'stats', '--user', user, '--redis', redis, '--json'])
  expect(stats.exitCode, stats.stderr).toBe(0)
  return JSON.parse(stats.stdout).audio
}

describe.skipIf(!opus)('a call between two peers with node-av', () => {
  it('carries Opus both ways, says so in media-up, stats and summary, and each side plays the other\'s tone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ivc-call-opus-'))
    try {
      const wav = (user: string) => join(dir, `${user}.wav`)
      // The call's audio receivers take the file sink's --file from the environment they inherit.
      const result = await call({
        bobEnv: {IVC_AUDIO_FILE: wav('bob')},
        aliceEnv: {IVC_AUDIO_FILE: wav('alice')},
        args: ['--audio-sink', 'file'],
        async check(alice, bob) {
          await Promise.all([played(alice, 50), played(bob, 50)])
          for (const user of [alice, bob]) expect(await audioStats(user)).toMatchObject({sender: {codec: 'opus'}, receiver: {codec: 'opus'}})
          expect((await runCli(['control', 'stats', '--user', alice, '--redis', redis])).stdout).toMatch(/^audio in \(opus\) +\d+ /m)
        },
      })
      for (const up of [result.aliceUp, result.bobUp]) expect(up.formats).toEqual({audio: {send: 'opus', receive: 'opus'}})
      for (const summary of [result.aliceSummary, result.bobSummary]) {
        expect(summary.audio).toMatchObject({codec: 'opus', malformed: 0})
        expect(summary.audio.played).toBeGreaterThanOrEqual(50)
      }

      // What each side played, after the WAV's 44-byte header, is the other's tone (not its own), through Opus.
      expect(dominantFrequency(readFileSync(wav('bob')).subarray(44), [600, 900])).toBe(600)
      expect(dominantFrequency(readFileSync(wav('alice')).subarray(44), [600, 900])).toBe(900)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  }, 180_000)
})

describe('a call with a peer without node-av', () => {
  it('falls back to pcm-s16le both ways, said in stats and summary; every frame plays in order', async () => {
    const result = await call({
      bobEnv: WITHOUT_NODE_AV,
      async check(alice, bob) {
        await Promise.all([played(alice, 50), played(bob, 50)])
        for (const user of [alice, bob]) expect(await audioStats(user)).toMatchObject({sender: {codec: 'pcm'}, receiver: {codec: 'pcm'}})
      },
    })
    for (const up of [result.aliceUp, result.bobUp]) expect(up.formats).toEqual({audio: {send: 'pcm-s16le', receive: 'pcm-s16le'}})
    for (const summary of [result.aliceSummary, result.bobSummary]) {
      expect(summary.audio).toMatchObject({codec: 'pcm', malformed: 0})
      // PCM keeps the tone's watermark: what played was the sender's frames, none backwards.
      expect(summary.audio.sink.continuity.marked).toBeGreaterThan(0)
      expect(summary.audio.sink.continuity.backwards).toBe(0)
    }
  }, 180_000)

  it('--audio-codec opus there refuses at once with the install hint', async () => {
    const refused = await runCli(['listen', '--user', name('bob'), '--port', '0', '--audio-codec', 'opus', ...common], {env: WITHOUT_NODE_AV})
    expect(refused.exitCode).not.toBe(0)
    expect(refused.stderr).toMatch(/audio format opus: node-av is disabled by IVC_DISABLE_NATIVE/)
    expect(refused.stderr).toMatch(/npm install node-av/)
  }, 60_000)
})

describe.skipIf(!opus)('--audio-codec pcm', () => {
  it('restricts what that side offers: a call between two peers with node-av uses pcm-s16le', async () => {
    const result = await call({bobArgs: ['--audio-codec', 'pcm'], check: (alice, bob) => Promise.all([played(alice, 10), played(bob, 10)]).then(() => undefined)})
    for (const up of [result.aliceUp, result.bobUp]) expect(up.formats).toEqual({audio: {send: 'pcm-s16le', receive: 'pcm-s16le'}})
  }, 180_000)
})

describe.skipIf(!probeNodeAvVp8().ok)('--video-codec vp8 on both sides', () => {
  it('carries VP8 both ways, says so in media-up and in the video stats', async () => {
    const videoOnly = ['--redis', redis, '--address', '127.0.0.1', '--heartbeat-ms', '200', '--expiry-ms', '1000', '--no-audio', '--video-sink', 'null', '--size', '320x240', '--video-connections', '2', '--video-codec', 'vp8']
    const result = await call({
      common: videoOnly,
      async check(alice) {
        // Both of alice's video components have reported on the bus (once a second) with frames through.
        const reported = (role: string) => heard(alice, 'video-stats', `video ${role} stats`, (body) => body.role === role && ((body.frames as number | undefined) ?? 0) > 0)
        await Promise.all([reported('sender'), reported('receiver')])
        const stats = await runCli(['control', 'stats', '--user', alice, '--redis', redis])
        expect(stats.exitCode, stats.stderr).toBe(0)
        expect(stats.stdout).toMatch(/^video out \(vp8\) +\d+ /m)
        expect(stats.stdout).toMatch(/^video in \(vp8\) +\d+ /m)
      },
    })
    for (const up of [result.aliceUp, result.bobUp]) expect(up.formats).toEqual({video: {send: 'vp8', receive: 'vp8'}})
  }, 180_000)
})
