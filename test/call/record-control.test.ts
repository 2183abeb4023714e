import {randomUUID} from 'node:crypto'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'
import {afterEach, describe, expect, inject, it} from 'vitest'

import {Bus} from '../../src/bus/bus.js'
import {ERRORS} from '../../src/foundation/errors.js'
import {probeNodeAv} from '../../src/plugins/native.js'
import {killAll, lineLog, runCli, startCli} from '../support/cli.js'
import {recordingLogger} from '../support/logger.js'

/**
 * `ivc control record start FILE|stop` (src/call/driver.ts startRecording): real `ivc listen` and `ivc call` processes,
 * Redis and TCP; the listener's user records part of the call, the file read back by ffprobe, the peer told on and off.
 */
const redis = inject('redisUrl')
const name = (prefix: string) => `${prefix}${randomUUID().slice(0, 6)}`
const common = ['--redis', redis, '--address', '127.0.0.1', '--heartbeat-ms', '200', '--expiry-ms', '1000', '--size', '160x120', '--video-connections', '2', '--audio-connections', '1', '--video-sink', 'null']

afterEach(killAll)

/** Every `type` event on `user`'s call topic, as they come; `next(n)` resolves once there are n. */
async function callEvents(user: string, type: string): Promise<{bodies: Array<Record<string, unknown>>; next: (count: number) => Promise<void>; close: () => Promise<void>}> {
  const bus = await Bus.connect({redis, user, component: 'test', logger: recordingLogger()})
  const bodies: Array<Record<string, unknown>> = []
  const waiters: Array<() => void> = []
  await bus.subscribe('call', (envelope) => {
    if (envelope.type !== type) return
    bodies.push(envelope.body as Record<string, unknown>)
    for (const wake of waiters.splice(0)) wake()
  })
  const next = async (count: number) => {
    while (bodies.length < count) await new Promise<void>((resolve) => waiters.push(resolve))
  }

  return {bodies, next, close: () => bus.close()}
}

/** Resolves once `user`'s audio receiver has played `frames` more frames than when this was called (its stats). */
async function playedMore(user: string, frames: number): Promise<void> {
  const bus = await Bus.connect({redis, user, component: 'test', logger: recordingLogger()})
  try {
    let from: number | undefined
    await new Promise<void>((resolve, reject) => {
      bus.subscribe('audio-stats', (envelope) => {
        const body = envelope.body as {role?: string; played?: number}
        if (body.role !== 'receiver') return
        from ??= body.played ?? 0
        if ((body.played ?? 0) >= from + frames) resolve()
      }).catch(reject)
    })
  } finally {
    await bus.close()
  }
}

const control = (user: string, ...words: string[]) => runCli(['control', ...words, '--user', user, '--redis', redis])

describe('ivc control record', () => {
  it('records part of a call into a file ffprobe reads, tells the peer on and off, and refuses what does not fit now', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ivc-record-control-'))
    try {
      const file = join(dir, 'part.mkv')
      const [alice, bob] = [name('alice'), name('bob')]
      const noCall = await control(bob, 'record', 'stop')
      expect(noCall.exitCode).toBe(ERRORS.NO_CALL.exit)

      const listener = startCli(['listen', '--user', bob, '--port', '0', '--json', '--auto-accept', ...common])
      const bobLog = lineLog(listener)
      await bobLog.waitFor((line) => line.includes('"event":"listening"'))
      const mediaUp = await callEvents(bob, 'call.media-up')
      const told = await callEvents(alice, 'call.recording')
      const caller = startCli(['call', bob, '--user', alice, '--json', ...common])
      await mediaUp.next(1)

      const notRecording = await control(bob, 'record', 'stop')
      expect(notRecording.exitCode).toBe(ERRORS.RECORD_FAILED.exit)
      expect(notRecording.stderr.split('\n').filter((line) => /not being recorded/.test(line))).toHaveLength(1)
      const badPath = await control(bob, 'record', 'start', '/nonexistent-ivc-dir/part.mkv')
      expect(badPath.exitCode).toBe(ERRORS.RECORD_FAILED.exit)
      expect(badPath.stderr).toMatch(/cannot record to \/nonexistent-ivc-dir\/part\.mkv/)

      const started = await control(bob, 'record', 'start', file)
      expect(started.exitCode, started.stderr).toBe(0)
      expect(started.stdout.trim()).toBe(`recording to ${file}; ${alice} is told`)
      const twice = await control(bob, 'record', 'start', join(dir, 'other.mkv'))
      expect(twice.exitCode).toBe(ERRORS.RECORD_FAILED.exit)
      expect(twice.stderr.split('\n').filter((line) => /already being recorded to/.test(line))).toHaveLength(1)
      await told.next(1)
      expect(told.bodies[0]).toMatchObject({peer: bob, on: true, by: bob})

      // Two seconds of the call's audio, then stop: each video stream started at a keyframe it asked for.
      await playedMore(bob, 100)
      const stopped = await control(bob, 'record', 'stop', '--json')
      expect(stopped.exitCode, stopped.stderr).toBe(0)
      const streams = ['sent-video', 'sent-audio', 'received-video', 'received-audio']
      expect(JSON.parse(stopped.stdout).recording).toMatchObject({on: false, file, streams})
      await told.next(2)
      expect(told.bodies[1]).toMatchObject({peer: bob, on: false, by: bob})
      await Promise.all([told.close(), mediaUp.close()])

      const probed = await execa('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'format=duration:stream=codec_type,codec_name,nb_read_frames', '-of', 'json', file], {reject: false})
      expect(probed.exitCode, probed.stderr).toBe(0)
      const json = JSON.parse(probed.stdout) as {streams: Array<{codec_type: string; codec_name: string; nb_read_frames: string}>; format: {duration: string}}
      const h264 = probeNodeAv().ok
      expect(json.streams.map((stream) => `${stream.codec_type} ${stream.codec_name}`)).toEqual(h264 ? ['video h264', 'audio opus', 'video h264', 'audio opus'] : ['video mjpeg', 'audio pcm_s16le', 'video mjpeg', 'audio pcm_s16le'])
      for (const stream of json.streams) expect(Number(stream.nb_read_frames)).toBeGreaterThan(0)
      expect(Number(json.format.duration)).toBeGreaterThan(1)

      // The call goes on after the recording: it ends as usual.
      expect((await control(alice, 'hangup')).exitCode).toBe(0)
      expect((await caller).exitCode).toBe(0)
      const bobEnded = JSON.parse(await bobLog.waitFor((line) => line.includes('"call.ended"')))
      expect(bobEnded.summary.recording).toMatchObject({by: bob, file})
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  }, 120_000)
})
