import {randomUUID} from 'node:crypto'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'
import {afterEach, describe, expect, inject, it} from 'vitest'

import {Bus} from '../../src/bus/bus.js'
import {ERRORS} from '../../src/foundation/errors.js'
import {probeNodeAv} from '../../src/plugins/native.js'
import {killAll, lineLog, pressCtrlC, runCli, startCli} from '../support/cli.js'
import {recordingLogger} from '../support/logger.js'

/**
 * `ivc call --record FILE` (src/call/recording.ts): real `ivc listen` and `ivc call` processes, Redis and TCP, video
 * and audio both ways, the file read back by FFmpeg's own ffprobe. Default formats: H.264 and Opus where node-av loads.
 */
const redis = inject('redisUrl')
const name = (prefix: string) => `${prefix}${randomUUID().slice(0, 6)}`
const common = ['--redis', redis, '--address', '127.0.0.1', '--heartbeat-ms', '200', '--expiry-ms', '1000', '--size', '320x240', '--video-connections', '2', '--audio-connections', '2', '--video-sink', 'null']

afterEach(killAll)

/** The first `type` event on `user`'s call topic, as `heard` (subscribed before this returns). */
async function firstCallEvent(user: string, type: string): Promise<{heard: Promise<Record<string, unknown>>}> {
  const bus = await Bus.connect({redis, user, component: 'test', logger: recordingLogger()})
  let resolve: (body: Record<string, unknown>) => void
  const heard = new Promise<Record<string, unknown>>((done) => (resolve = done))
  await bus.subscribe('call', (envelope) => envelope.type === type && resolve(envelope.body as Record<string, unknown>))
  return {heard: heard.finally(() => bus.close())}
}

/** Resolves once `user`'s audio receiver has played `frames` frames (its stats on the bus). */
async function played(user: string, frames: number): Promise<void> {
  const bus = await Bus.connect({redis, user, component: 'test', logger: recordingLogger()})
  try {
    await new Promise<void>((resolve, reject) => {
      bus.subscribe('audio-stats', (envelope) => {
        const body = envelope.body as {role?: string; played?: number}
        if (body.role === 'receiver' && (body.played ?? 0) >= frames) resolve()
      }).catch(reject)
    })
  } finally {
    await bus.close()
  }
}

type Probed = {streams: Array<{index: number; codec_type: string; codec_name: string; nb_read_frames?: string}>; format: {duration: string}; packets: Array<{stream_index: number; pts_time: string}>}

async function probe(file: string): Promise<Probed> {
  // -count_frames decodes every frame: the file plays, not only parses.
  const result = await execa('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'format=duration:stream=index,codec_type,codec_name,nb_read_frames:packet=stream_index,pts_time', '-of', 'json', file], {reject: false})
  expect(result.exitCode, result.stderr).toBe(0)
  expect(result.stderr).toBe('')
  return JSON.parse(result.stdout) as Probed
}

describe('ivc call --record', () => {
  it('writes both ways\' video and audio into one Matroska file ffprobe reads, and the peer is told, also when the caller\'s ivc listen places the call', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ivc-record-test-'))
    try {
      const file = join(dir, 'call.mkv')
      const [alice, bob] = [name('alice'), name('bob')]
      const listener = startCli(['listen', '--user', bob, '--port', '0', '--json', '--auto-accept', ...common])
      const bobLog = lineLog(listener)
      await bobLog.waitFor((line) => line.includes('"event":"listening"'))
      const told = await firstCallEvent(bob, 'call.recording')
      const recording = await firstCallEvent(alice, 'call.recording')
      // alice's own listener runs the call (call.dial with record); the Ctrl-C test below records a call ivc call runs.
      const aliceLog = lineLog(startCli(['listen', '--user', alice, '--port', '0', '--json', ...common]))
      await aliceLog.waitFor((line) => line.includes('"event":"listening"'))
      const caller = startCli(['call', bob, '--user', alice, '--json', '--record', file, ...common])
      expect(await told.heard).toMatchObject({peer: alice, on: true, by: alice})
      expect(await recording.heard).toMatchObject({peer: bob, on: true, by: alice, file})
      // Two seconds of audio played each way: the recording has that much at least.
      await Promise.all([played(alice, 100), played(bob, 100)])
      expect((await runCli(['control', 'hangup', '--user', alice, '--redis', redis])).exitCode).toBe(0)
      const ended = await caller
      expect(ended.exitCode, String(ended.stderr)).toBe(0)
      const summary = JSON.parse(String(ended.stdout).trim().split('\n').at(-1)!)
      expect(summary.recording).toMatchObject({by: alice, file, streams: ['sent-video', 'sent-audio', 'received-video', 'received-audio']})
      const bobEnded = JSON.parse(await bobLog.waitFor((line) => line.includes('"call.ended"')))
      expect(bobEnded.summary.recording).toEqual({by: alice})

      const probed = await probe(file)
      const h264 = probeNodeAv().ok
      expect(probed.streams.map((stream) => `${stream.codec_type} ${stream.codec_name}`)).toEqual(h264 ? ['video h264', 'audio opus', 'video h264', 'audio opus'] : ['video mjpeg', 'audio pcm_s16le', 'video mjpeg', 'audio pcm_s16le'])
      for (const stream of probed.streams) expect(Number(stream.nb_read_frames)).toBeGreaterThan(0)
      const duration = Number(probed.format.duration)
      expect(duration).toBeGreaterThan(2)
      expect(Math.abs(duration * 1000 - summary.recording.durationMs)).toBeLessThanOrEqual(0.05 * summary.recording.durationMs)
      // Timed by the capture stamps, the received streams mapped onto this host's clock: every stream covers most of
      // the file, and the sent audio's 20 ms frames are 20 ms apart in it.
      for (const stream of probed.streams) {
        const times = probed.packets.filter((packet) => packet.stream_index === stream.index).map((packet) => Number(packet.pts_time))
        expect(Math.max(...times) - Math.min(...times), `stream ${stream.index}`).toBeGreaterThan(0.8 * duration - 1)
      }

      const sentAudio = probed.packets.filter((packet) => packet.stream_index === 1).map((packet) => Number(packet.pts_time))
      const span = Math.max(...sentAudio) - Math.min(...sentAudio)
      expect(Math.abs(span - (sentAudio.length - 1) * 0.02)).toBeLessThanOrEqual(0.05 * span)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  }, 180_000)

  it('finishes the file when the call ends with Ctrl-C', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ivc-record-test-'))
    try {
      const file = join(dir, 'call.mkv')
      const [alice, bob] = [name('alice'), name('bob')]
      const listener = startCli(['listen', '--user', bob, '--port', '0', '--json', '--auto-accept', ...common])
      await lineLog(listener).waitFor((line) => line.includes('"event":"listening"'))
      const told = await firstCallEvent(bob, 'call.recording')
      const caller = startCli(['call', bob, '--user', alice, '--json', '--record', file, ...common], {terminal: true})
      await told.heard
      await Promise.all([played(alice, 50), played(bob, 50)])
      pressCtrlC(caller)
      const ended = await caller
      expect(ended.exitCode, String(ended.stderr)).toBe(0)
      const probed = await probe(file)
      expect(probed.streams).toHaveLength(4)
      // One second of audio played each way before Ctrl-C: the file has its duration (the trailer was written).
      expect(Number(probed.format.duration)).toBeGreaterThan(1)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  }, 180_000)

  it('a path it cannot write is one line with RECORD_FAILED\'s exit status, before the peer rings', async () => {
    const [alice, bob] = [name('alice'), name('bob')]
    const listener = startCli(['listen', '--user', bob, '--port', '0', '--json', '--auto-accept', ...common])
    const bobLog = lineLog(listener)
    await bobLog.waitFor((line) => line.includes('"event":"listening"'))
    const refused = await runCli(['call', bob, '--user', alice, '--record', '/nonexistent-ivc-dir/call.mkv', ...common])
    expect(refused.exitCode).toBe(ERRORS.RECORD_FAILED.exit)
    expect(refused.stderr).toMatch(/cannot record to \/nonexistent-ivc-dir\/call\.mkv/)
    expect(refused.stderr.split('\n').filter((line) => /cannot record/.test(line))).toHaveLength(1)
    expect(bobLog.lines.some((line) => line.includes('call.incoming'))).toBe(false)
  }, 60_000)
})
