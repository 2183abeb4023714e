import {randomUUID} from 'node:crypto'

import {afterEach, describe, expect, inject, it} from 'vitest'

import {Bus} from '../../../src/bus/bus.js'
import type {Envelope} from '../../../src/bus/envelope.js'
import {newStreamSecret, parseStreamSecret} from '../../../src/security/stream-secret.js'
import {killAll, runCli, startCli, waitForLine} from '../../support/cli.js'
import {recordingLogger} from '../../support/logger.js'

afterEach(() => killAll())

const listening = async (child: ReturnType<typeof startCli>) => JSON.parse(await waitForLine(child, 'stdout', (line) => line.includes('"listening"'), 60_000)).port as number
const summaryOf = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!)

/** The receiver ended cleanly with frames, and its null sink read every frame's stamp back, in order. */
function expectEveryStampVerified(rx: {exitCode?: number; stdout: string; stderr: string}) {
  expect(rx.exitCode, rx.stderr).toBe(0)
  const summary = summaryOf(rx.stdout)
  expect(summary.frames).toBeGreaterThan(0)
  expect(summary.outOfOrder).toBe(0)
  expect(rx.stderr).toContain(`video sink null: ${summary.frames} stamps verified, 0 unreadable, 0 out of order`)
}

/** A receiver stats event (--json) with at least `frames` frames played. */
const playedAtLeast = (frames: number) => (line: string) => line.includes('"event":"stats"') && line.includes('"role":"receiver"') && JSON.parse(line).frames >= frames

/**
 * Stream from a sender to a receiver (neither with --duration) until the receiver has played `frames` frames, then
 * stop the sender as Ctrl-C would: it sends end-of-stream, and the receiver ends on it by itself. No fixed time on
 * either side, so a slow start cannot cut the stream short.
 */
async function streamFrames(options: {receiver: string[]; sender: string[]; port?: (port: number, receiver: ReturnType<typeof startCli>) => Promise<void>; frames?: number; env?: Record<string, string>}) {
  const receiver = startCli(['stream-video', '--listen', '--port', '0', '--sink', 'null', '--json', ...options.receiver], {env: options.env})
  const port = await listening(receiver)
  await options.port?.(port, receiver)
  const played = waitForLine(receiver, 'stdout', playedAtLeast(options.frames ?? 1), 60_000)
  const sender = startCli(['stream-video', '--to', `127.0.0.1:${port}`, ...options.sender], {env: options.env})
  await played
  sender.kill('SIGINT')
  const [tx, rx] = await Promise.all([sender, receiver])
  return {tx: {exitCode: tx.exitCode, stdout: String(tx.stdout), stderr: String(tx.stderr)}, rx: {exitCode: rx.exitCode, stdout: String(rx.stdout), stderr: String(rx.stderr)}}
}

describe('ivc stream-video (processes over loopback)', () => {
  it('delivers a synthetic stream in order over 20 connections, every stamp verified', async () => {
    // At least 60 frames cross the 20 connections (enough for arrival order to differ from send order), however long
    // that takes here; rates and latency are the benches' business (bench/).
    const {tx, rx} = await streamFrames({receiver: ['--log-level', 'info'], sender: ['--source', 'synthetic', '--json'], frames: 60})
    expect(tx.exitCode, tx.stderr).toBe(0)
    expect(rx.exitCode, rx.stderr).toBe(0)
    const summary = summaryOf(rx.stdout)
    expect(Object.keys(summary)).toEqual(['role', 'frames', 'fps', 'kbps', 'bytes', 'latencyMs', 'dropped', 'freezes', 'outOfOrder'])
    expect(summary.role).toBe('receiver')
    expect(summary.outOfOrder).toBe(0)
    expect(summary.frames).toBeGreaterThanOrEqual(60)
    // Every frame's stamp was read back by the null sink, so "in order" is proven, not assumed.
    expect(rx.stderr).toContain(`video sink null: ${summary.frames} stamps verified, 0 unreadable, 0 out of order`)
    expect(rx.stderr).toMatch(/video stream from \S*127\.0\.0\.1 over 20 connections/)
    const sent = summaryOf(tx.stdout)
    expect(sent.role).toBe('sender')
    expect(sent.frames).toBeGreaterThanOrEqual(summary.frames)
    // Live stats: NDJSON events on stdout and a line a second on stderr.
    expect(rx.stdout).toContain('"event":"stats","role":"receiver"')
    expect(rx.stderr).toMatch(/video rx: \d+\.\d fps/)
  }, 120_000)

  it('ends the receiver cleanly with a summary when the sender is killed', async () => {
    const receiver = startCli(['stream-video', '--listen', '--port', '0', '--sink', 'null', '--codec', 'raw', '--json', '--connections', '4'])
    const port = await listening(receiver)
    const sender = startCli(['stream-video', '--to', `127.0.0.1:${port}`, '--codec', 'raw', '--size', '320x240', '--connections', '4', '--json'])
    await waitForLine(sender, 'stdout', (line) => line.includes('"event":"stats"') && !line.includes('"frames":0'), 60_000)
    sender.kill('SIGKILL')
    const rx = await receiver
    expect(rx.exitCode, String(rx.stderr)).toBe(0)
    const summary = summaryOf(String(rx.stdout))
    expect(summary.role).toBe('receiver')
    expect(summary.frames).toBeGreaterThan(0)
    expect(summary.outOfOrder).toBe(0)
  }, 120_000)

  it('rejects garbage sent to the port, logs why, and keeps listening', async () => {
    const {rx} = await streamFrames({
      receiver: ['--log-level', 'info'],
      sender: ['--connections', '2'],
      port: async (port, receiver) => {
        const {connect} = await import('node:net')
        const rejected = waitForLine(receiver, 'stderr', (line) => line.includes('rejected: bad media handshake: bad magic "GET "'), 60_000)
        const socket = connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))
        socket.on('error', () => {})
        await rejected
      },
    })
    expectEveryStampVerified(rx)
  }, 120_000)

  it('encrypts with a shared secret: a sender without it is refused (AUTH_FAILED), one with it streams', async () => {
    const env = {IVC_MEDIA_SECRET: newStreamSecret()}
    const {tx, rx} = await streamFrames({
      receiver: ['--log-level', 'info'],
      sender: ['--connections', '4', '--adapt', 'off'],
      env,
      port: async (port, receiver) => {
        const logged = waitForLine(receiver, 'stderr', (line) => line.includes('rejected: AUTH_FAILED: this stream is encrypted'), 60_000)
        const plain = await runCli(['stream-video', '--to', `127.0.0.1:${port}`, '--connections', '2', '--json'], {timeoutMs: 60_000})
        expect(plain.exitCode).toBe(23)
        expect(JSON.parse(plain.stdout).error.code).toBe('AUTH_FAILED')
        await logged
        const other = await runCli(['stream-video', '--to', `127.0.0.1:${port}`, '--connections', '2', '--json'], {env: {IVC_MEDIA_SECRET: newStreamSecret()}, timeoutMs: 60_000})
        expect(other.exitCode).toBe(23)
        expect(JSON.parse(other.stdout).error.code).toBe('AUTH_FAILED')
        const passphrase = await runCli(['stream-video', '--to', `127.0.0.1:${port}`, '--json'], {env: {IVC_MEDIA_SECRET: 's3cret-s3cret-s3cret'}, timeoutMs: 60_000})
        expect(passphrase.exitCode).toBe(5)
        expect(JSON.parse(passphrase.stdout).error.code).toBe('SECRET_INVALID')
      },
    })
    expect(tx.exitCode, tx.stderr).toBe(0)
    expectEveryStampVerified(rx)
  }, 120_000)

  it('without OpenCV: camera fails with the install hint; synthetic + raw still stream', async () => {
    const env = {IVC_DISABLE_NATIVE: 'opencv'}
    const camera = await runCli(['stream-video', '--to', '127.0.0.1:1', '--source', 'camera', '--codec', 'raw', '--json'], {env, timeoutMs: 60_000})
    expect(camera.exitCode).toBe(30)
    expect(JSON.parse(camera.stdout).error).toMatchObject({code: 'BACKEND_MISSING'})
    expect(camera.stderr).toContain('npm install @u4/opencv4nodejs')
    // Raw frames cost ~55 Mbit/s at this size; gcc would start at 1 Mbit/s and climb to it.
    const {tx, rx} = await streamFrames({receiver: ['--log-level', 'info', '--codec', 'raw'], sender: ['--codec', 'raw', '--size', '320x240', '--connections', '4', '--adapt', 'off'], env})
    expect(tx.exitCode, tx.stderr).toBe(0)
    expectEveryStampVerified(rx)
  }, 120_000)

  it('without OpenCV, JPEG comes from sharp: frames stream and the null sink reads every stamp back', async () => {
    const env = {IVC_DISABLE_NATIVE: 'opencv'}
    const doctor = await runCli(['doctor', '--json', '--redis', inject('redisUrl')], {env, timeoutMs: 60_000})
    expect(JSON.parse(doctor.stdout).backends).toContainEqual(expect.objectContaining({kind: 'video-codec', name: 'jpeg', ok: true, detail: expect.stringContaining('sharp')}))
    const {tx, rx} = await streamFrames({receiver: ['--log-level', 'info'], sender: ['--codec', 'jpeg', '--size', '320x240', '--connections', '4'], env})
    expect(tx.exitCode, tx.stderr).toBe(0)
    expectEveryStampVerified(rx)
  }, 120_000)

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
      const receiver = startCli(['stream-video', '--listen', '--port', '0', '--sink', 'null', '--json', '--user', user, '--redis', redis, '--call-id', 'call-1'])
      const port = await listening(receiver)
      const sender = startCli(['stream-video', '--to', `127.0.0.1:${port}`, '--connections', '2'])
      const envelope = await published
      expect(envelope).toMatchObject({type: 'video.stats', callId: 'call-1', body: {role: 'receiver'}})
      expect((await bus.getState('stream-video')).receiver).toMatchObject({role: 'receiver'})
      sender.kill('SIGINT')
      const [tx, rx] = await Promise.all([sender, receiver])
      expect(tx.exitCode, String(tx.stderr)).toBe(0)
      expect(rx.exitCode, String(rx.stderr)).toBe(0)
    } finally {
      await bus.close()
    }

    const noRedis = await runCli(['stream-video', '--listen', '--port', '0', '--sink', 'null', '--json', '--user', 'alice', '--redis', 'redis://127.0.0.1:1'])
    expect(JSON.parse(noRedis.stdout.split('\n')[0]).error.code).toBe('REDIS_UNREACHABLE')
  }, 120_000)
})

describe('ivc stream-video --await-start (a call\'s sender, started before the call is agreed)', () => {
  const supervised = {IVC_SUPERVISED: '1'}
  const sender = ['stream-video', '--await-start', '--source', 'synthetic', '--codec', 'jpeg', '--log-level', 'debug']
  const ready = (child: ReturnType<typeof startCli>) => waitForLine(child, 'stderr', (line) => line.includes('codec and source ready'), 60_000)
  const errorLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('ivc: '))

  it('loads its codec and source before its start line, and ends with one error line when the call ends first (stdin closes)', async () => {
    const child = startCli(sender, {env: supervised})
    await ready(child)
    child.stdin!.end()
    const result = await child
    expect(result.signal, String(result.stderr)).toBeUndefined()
    expect(result.exitCode, String(result.stderr)).toBe(21)
    expect(errorLines(String(result.stderr))).toEqual([expect.stringContaining('[PEER_GONE]')])
  }, 120_000)

  it('stops at SIGTERM while it waits for its start line', async () => {
    const child = startCli(sender, {env: supervised})
    await ready(child)
    child.kill('SIGTERM')
    const result = await child
    expect(result.signal, String(result.stderr)).toBeUndefined()
    expect(result.stderr).toContain('SIGTERM received')
    expect(result.exitCode).not.toBeNull()
  }, 120_000)

  it('reports a source that cannot be created at once, as without --await-start, with its start line never written', async () => {
    const child = startCli(['stream-video', '--await-start', '--source', 'file', '--json'], {env: supervised})
    const result = await child
    expect(result.exitCode, String(result.stderr)).toBe(2)
    expect(errorLines(String(result.stderr))).toEqual([expect.stringContaining('[BAD_USAGE]')])
    expect(JSON.parse(String(result.stdout).trim()).error.code).toBe('BAD_USAGE')
  }, 120_000)
})

describe('ivc stream-video --listen --await-start (a call\'s receiver)', () => {
  it('decodes with the format its start line names, not its own --codec', async () => {
    const key = newStreamSecret()
    // Its --codec is the default, jpeg; the peer's offer (the start line) says raw, and raw is what arrives.
    const receiver = startCli(['stream-video', '--listen', '--await-start', '--port', '0', '--sink', 'null', '--json', '--log-level', 'info'], {env: {IVC_SUPERVISED: '1'}})
    const port = await listening(receiver)
    receiver.stdin!.write(JSON.stringify({secret: parseStreamSecret(key), format: 'raw'}) + '\n')
    const played = waitForLine(receiver, 'stdout', playedAtLeast(1), 60_000)
    const sender = startCli(['stream-video', '--to', `127.0.0.1:${port}`, '--secret', key, '--codec', 'raw', '--size', '320x240', '--connections', '2', '--adapt', 'off'])
    await played
    sender.kill('SIGINT')
    const [tx, rx] = await Promise.all([sender, receiver])
    expect(tx.exitCode, String(tx.stderr)).toBe(0)
    expectEveryStampVerified({exitCode: rx.exitCode, stdout: String(rx.stdout), stderr: String(rx.stderr)})
  }, 120_000)
})
