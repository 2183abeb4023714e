import {randomUUID} from 'node:crypto'

import {afterEach, describe, expect, inject, it} from 'vitest'

import {Bus} from '../../../src/bus/bus.js'
import type {Envelope} from '../../../src/bus/envelope.js'
import {killAll, runCli, startCli, waitForLine} from '../../support/cli.js'
import {recordingLogger} from '../../support/logger.js'

afterEach(() => killAll())

const listening = async (child: ReturnType<typeof startCli>) => JSON.parse(await waitForLine(child, 'stdout', (line) => line.includes('"listening"'))).port as number
const summaryOf = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!)

describe('ivc stream-video (processes over loopback)', () => {
  it('delivers a synthetic stream at full rate, in order, with low latency', async () => {
    const receiver = startCli(['stream-video', '--listen', '--port', '0', '--sink', 'null', '--duration', '8', '--json', '--log-level', 'info'])
    const port = await listening(receiver)
    const sender = await runCli(['stream-video', '--to', `127.0.0.1:${port}`, '--source', 'synthetic', '--duration', '6', '--json'])
    expect(sender.exitCode, sender.stderr).toBe(0)
    const rx = await receiver
    expect(rx.exitCode, String(rx.stderr)).toBe(0)
    const summary = summaryOf(String(rx.stdout))
    expect(Object.keys(summary)).toEqual(['role', 'frames', 'fps', 'kbps', 'bytes', 'latencyMs', 'dropped', 'freezes', 'outOfOrder'])
    expect(summary.role).toBe('receiver')
    expect(summary.fps).toBeGreaterThanOrEqual(28)
    expect(summary.latencyMs.p95).toBeLessThan(50)
    expect(summary.outOfOrder).toBe(0)
    expect(summary.frames).toBeGreaterThanOrEqual(150)
    // Every frame's stamp was read back by the null sink, so "in order" is proven, not assumed.
    expect(String(rx.stderr)).toContain(`video sink null: ${summary.frames} stamps verified, 0 unreadable, 0 out of order`)
    const sent = summaryOf(sender.stdout)
    expect(sent.role).toBe('sender')
    expect(sent.frames).toBeGreaterThanOrEqual(summary.frames)
    // Live stats: NDJSON events on stdout and a line a second on stderr.
    expect(String(rx.stdout)).toContain('"event":"stats","role":"receiver"')
    expect(String(rx.stderr)).toMatch(/video rx: \d+\.\d fps/)
  })

  it('ends the receiver cleanly with a summary when the sender is killed', async () => {
    const receiver = startCli(['stream-video', '--listen', '--port', '0', '--sink', 'null', '--codec', 'raw', '--json', '--connections', '4'])
    const port = await listening(receiver)
    const sender = startCli(['stream-video', '--to', `127.0.0.1:${port}`, '--codec', 'raw', '--size', '320x240', '--connections', '4', '--json'])
    await waitForLine(sender, 'stdout', (line) => line.includes('"event":"stats"') && !line.includes('"frames":0'))
    sender.kill('SIGKILL')
    const rx = await receiver
    expect(rx.exitCode, String(rx.stderr)).toBe(0)
    const summary = summaryOf(String(rx.stdout))
    expect(summary.role).toBe('receiver')
    expect(summary.frames).toBeGreaterThan(0)
    expect(summary.outOfOrder).toBe(0)
  })

  it('rejects garbage sent to the port, logs why, and keeps listening', async () => {
    const receiver = startCli(['stream-video', '--listen', '--port', '0', '--sink', 'null', '--json', '--duration', '6'])
    const port = await listening(receiver)
    const {connect} = await import('node:net')
    const socket = connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))
    socket.on('error', () => {})
    await waitForLine(receiver, 'stderr', (line) => line.includes('rejected: bad media handshake: bad magic "GET "'))
    const sender = await runCli(['stream-video', '--to', `127.0.0.1:${port}`, '--duration', '2', '--connections', '2'])
    expect(sender.exitCode, sender.stderr).toBe(0)
    const summary = summaryOf(String((await receiver).stdout))
    expect(summary.frames).toBeGreaterThan(30)
  })

  it('encrypts with a shared secret: a sender without it is refused (AUTH_FAILED), one with it streams', async () => {
    const env = {IVC_MEDIA_SECRET: 's3cret-s3cret-s3cret'}
    const receiver = startCli(['stream-video', '--listen', '--port', '0', '--sink', 'null', '--json', '--duration', '6'], {env})
    const port = await listening(receiver)
    const logged = waitForLine(receiver, 'stderr', (line) => line.includes('rejected: AUTH_FAILED: this stream is encrypted'))
    const plain = await runCli(['stream-video', '--to', `127.0.0.1:${port}`, '--duration', '1', '--connections', '2', '--json'])
    expect(plain.exitCode).toBe(23)
    expect(JSON.parse(plain.stdout).error.code).toBe('AUTH_FAILED')
    await logged
    const short = await runCli(['stream-video', '--to', `127.0.0.1:${port}`, '--json'], {env: {IVC_MEDIA_SECRET: 'short'}})
    expect(short.exitCode).toBe(2)
    expect(JSON.parse(short.stdout).error.message).toBe('the stream secret must be 16-256 characters, not 5')
    const sender = await runCli(['stream-video', '--to', `127.0.0.1:${port}`, '--duration', '2', '--connections', '4', '--adapt', 'off'], {env})
    expect(sender.exitCode, sender.stderr).toBe(0)
    const summary = summaryOf(String((await receiver).stdout))
    expect(summary.frames).toBeGreaterThan(30)
    expect(summary.outOfOrder).toBe(0)
  })

  it('without OpenCV: camera fails with the install hint; synthetic + raw still stream', async () => {
    const env = {IVC_DISABLE_NATIVE: 'opencv'}
    const camera = await runCli(['stream-video', '--to', '127.0.0.1:1', '--source', 'camera', '--codec', 'raw', '--json'], {env})
    expect(camera.exitCode).toBe(30)
    expect(JSON.parse(camera.stdout).error).toMatchObject({code: 'BACKEND_MISSING'})
    expect(camera.stderr).toContain('npm install @u4/opencv4nodejs')
    const receiver = startCli(['stream-video', '--listen', '--port', '0', '--sink', 'null', '--json', '--duration', '5'], {env})
    const port = await listening(receiver)
    // Raw frames cost ~55 Mbit/s at this size; gcc would start at 1 Mbit/s and spend the 2 s climbing to it.
    const sender = await runCli(['stream-video', '--to', `127.0.0.1:${port}`, '--codec', 'raw', '--size', '320x240', '--duration', '2', '--connections', '4', '--adapt', 'off'], {env})
    expect(sender.exitCode, sender.stderr).toBe(0)
    const summary = summaryOf(String((await receiver).stdout))
    expect(summary.frames).toBeGreaterThan(30)
    expect(summary.outOfOrder).toBe(0)
  })

  it('without OpenCV, JPEG comes from sharp: frames stream and the null sink reads every stamp back', async () => {
    const env = {IVC_DISABLE_NATIVE: 'opencv'}
    const doctor = await runCli(['doctor', '--json', '--redis', inject('redisUrl')], {env})
    expect(JSON.parse(doctor.stdout).backends).toContainEqual(expect.objectContaining({kind: 'video-codec', name: 'jpeg', ok: true, detail: expect.stringContaining('sharp')}))
    const receiver = startCli(['stream-video', '--listen', '--port', '0', '--sink', 'null', '--json', '--duration', '5', '--log-level', 'info'], {env})
    const port = await listening(receiver)
    const sender = await runCli(['stream-video', '--to', `127.0.0.1:${port}`, '--codec', 'jpeg', '--size', '320x240', '--duration', '2', '--connections', '4'], {env})
    expect(sender.exitCode, sender.stderr).toBe(0)
    const result = await receiver
    const summary = summaryOf(String(result.stdout))
    expect(summary.frames).toBeGreaterThan(30)
    expect(summary.outOfOrder).toBe(0)
    expect(String(result.stderr)).toMatch(/\d+ stamps verified, 0 unreadable, 0 out of order/)
  })

  it('says what is wrong with bad flags', async () => {
    expect((await runCli(['stream-video'])).exitCode).toBe(2)
    expect((await runCli(['stream-video', '--to', 'a:b:c'])).exitCode).toBe(2)
    expect((await runCli(['stream-video', '--to', '127.0.0.1', '--size', 'big'])).exitCode).toBe(2)
    const unreachable = await runCli(['stream-video', '--to', '127.0.0.1:1', '--codec', 'raw', '--json'])
    expect(JSON.parse(unreachable.stdout).error.code).toBe('PEER_UNREACHABLE')
  })

  it('publishes stats on the bus with --user, and needs Redis only then', async () => {
    const redis = inject('redisUrl')
    const user = `v${randomUUID().slice(0, 8)}`
    const bus = await Bus.connect({redis, user, component: 'test', logger: recordingLogger()})
    try {
      let resolve!: (envelope: Envelope) => void
      const published = new Promise<Envelope>((done) => (resolve = done))
      await bus.subscribe('video-stats', (envelope) => {
        if ((envelope.body as {frames: number}).frames > 0) resolve(envelope)
      })
      const receiver = startCli(['stream-video', '--listen', '--port', '0', '--sink', 'null', '--json', '--duration', '6', '--user', user, '--redis', redis, '--call-id', 'call-1'])
      const port = await listening(receiver)
      const sender = startCli(['stream-video', '--to', `127.0.0.1:${port}`, '--duration', '3', '--connections', '2'])
      const envelope = await published
      expect(envelope).toMatchObject({type: 'video.stats', callId: 'call-1', body: {role: 'receiver'}})
      expect((await bus.getState('stream-video')).receiver).toMatchObject({role: 'receiver'})
      await Promise.all([sender, receiver])
    } finally {
      await bus.close()
    }

    const noRedis = await runCli(['stream-video', '--listen', '--port', '0', '--sink', 'null', '--json', '--user', 'alice', '--redis', 'redis://127.0.0.1:1'])
    expect(JSON.parse(noRedis.stdout.split('\n')[0]).error.code).toBe('REDIS_UNREACHABLE')
  })
})
