import {connect} from 'node:net'

import {afterEach, describe, expect, inject, it} from 'vitest'

import {Bus} from '../../src/bus/bus.js'
import type {Envelope} from '../../src/bus/envelope.js'
import {recordingLogger} from '../support/logger.js'

import {killAll, runCli, startCli, waitForLine} from '../support/cli.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON lines from the CLI, read field by field
function records(stdout: string): Array<Record<string, any>> {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line))
}

async function listen(extra: string[] = [], env: Record<string, string> = {}) {
  const receiver = startCli(['stream-audio', '--listen', '--port', '0', '--sink', 'null', '--json', ...extra], {env})
  const line = await waitForLine(receiver, 'stdout', (text) => text.includes('"listening"'))
  return {receiver, port: JSON.parse(line).port as number}
}

afterEach(killAll)

/**
 * Send a tone (no --duration) until the receiver's stats show `played` frames played, then stop the sender as Ctrl-C
 * would: it sends end-of-stream and the receiver ends on it. Nothing depends on how fast either side started.
 */
async function streamTone(receiver: Awaited<ReturnType<typeof listen>>, senderArgs: string[], played = 1, env: Record<string, string> = {}) {
  const enough = waitForLine(receiver.receiver, 'stdout', (line) => line.includes('"event":"stats"') && line.includes('"role":"receiver"') && JSON.parse(line).played >= played)
  const sender = startCli(['stream-audio', '--to', `127.0.0.1:${receiver.port}`, '--source', 'tone', ...senderArgs], {env})
  await enough
  sender.kill('SIGINT')
  const [sent, received] = await Promise.all([sender, receiver.receiver])
  expect(sent.exitCode, String(sent.stderr)).toBe(0)
  expect(received.exitCode, String(received.stderr)).toBe(0)
  return {sent: {stdout: String(sent.stdout), stderr: String(sent.stderr)}, received: {stdout: String(received.stdout), stderr: String(received.stderr)}}
}

describe('ivc stream-audio', () => {
  it('streams a tone over 10 connections: every frame in order, none repeated, none missing uncounted', async () => {
    // 100 frames (2 s of audio) played, however long that takes here; latency and underruns are bench/'s business.
    const {sent, received} = await streamTone(await listen(), ['--json'], 100)
    const out = records(received.stdout)
    const summary = out.at(-1)!
    expect(summary).toMatchObject({role: 'receiver'})
    expect(Object.keys(summary)).toEqual(expect.arrayContaining(['role', 'frames', 'underruns', 'concealed', 'late', 'latencyMs', 'jitterMs', 'kbps']))
    expect(summary.played).toBeGreaterThanOrEqual(100)
    // The null sink read the tone's watermark: what it got was the sender's frames, in order, none repeated, and
    // none missing but those the jitter buffer skipped on purpose (to cut delay) or gave up as lost. A frame skipped
    // or lost after the last one played (or before the first) leaves no gap between marks: at most, not exactly.
    expect(summary.sink.continuity).toMatchObject({firstIndex: expect.any(Number), backwards: 0})
    expect(summary.sink.continuity.missing).toBeLessThanOrEqual(summary.dropped + summary.lost)
    expect(summary.sink.continuity.marked).toBeGreaterThan(0)
    expect(summary.duplicates).toBe(0)
    const senderSummary = records(sent.stdout).at(-1)!
    expect(senderSummary).toMatchObject({role: 'sender'})
    expect(summary.frames).toBeLessThanOrEqual(senderSummary.frames)
  }, 120_000)

  it('ends the receiver cleanly with a summary when the sender is killed', async () => {
    const {receiver, port} = await listen()
    const sender = startCli(['stream-audio', '--to', `127.0.0.1:${port}`, '--source', 'tone', '--json'])
    await waitForLine(receiver, 'stdout', (line) => line.includes('"stats"') && JSON.parse(line).frames > 0)
    sender.kill('SIGKILL')
    const received = await receiver
    expect(received.exitCode, String(received.stderr)).toBe(0)
    const summary = records(String(received.stdout)).at(-1)!
    expect(summary.role).toBe('receiver')
    expect(summary.frames).toBeGreaterThan(0)
    expect(summary.sink.continuity.backwards).toBe(0)
  }, 120_000)

  it('rejects garbage on the port and still takes a real stream afterwards', async () => {
    const receiver = await listen()
    await new Promise<void>((resolve, reject) => {
      const socket = connect({host: '127.0.0.1', port: receiver.port}, () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))
      socket.on('close', () => resolve())
      socket.on('error', reject)
      socket.resume()
    })
    const {received} = await streamTone(receiver, ['--connections', '3'])
    expect(received.stderr).toMatch(/rejected: bad media handshake/)
    const summary = records(received.stdout).at(-1)!
    expect(summary.frames).toBeGreaterThan(0)
    expect(summary.sink.continuity.backwards).toBe(0)
    expect(summary.sink.continuity.missing).toBeLessThanOrEqual(summary.dropped + summary.lost)
  }, 120_000)

  it('says in one clear line that there is no microphone', async () => {
    // No PulseAudio here, and no sound card: PortAudio finds no capture device.
    const result = await runCli(['stream-audio', '--to', '127.0.0.1:9', '--source', 'mic'], {env: {PULSE_SERVER: 'unix:/nonexistent/ivc-test'}})
    expect(result.exitCode).toBe(32)
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^ivc: no audio capture device found \[NO_DEVICE\]$/), expect.stringMatching(/^ {2}Try this: /)])
  })

  it('fails plainly when nobody listens, and on a bad --to', async () => {
    const refused = await runCli(['stream-audio', '--to', '127.0.0.1:9', '--duration', '1'])
    expect(refused.exitCode).toBe(20)
    expect(refused.stderr).toContain('[PEER_UNREACHABLE]')
    const bad = await runCli(['stream-audio', '--to', 'host:notaport'])
    expect(bad.exitCode).toBe(2)
  })

  it('publishes its stats on the bus when given --user', async () => {
    const redis = inject('redisUrl')
    const bus = await Bus.connect({redis, user: 'audiostats', component: 'test', logger: recordingLogger()})
    const roles = new Map<string, Envelope>()
    let bothSeen!: () => void
    const seen = new Promise<void>((resolve) => (bothSeen = resolve))
    await bus.subscribe('audio-stats', (envelope) => {
      roles.set((envelope.body as {role: string}).role, envelope)
      if (roles.has('sender') && roles.has('receiver')) bothSeen()
    })
    try {
      const {receiver, port} = await listen(['--user', 'audiostats', '--redis', redis, '--call-id', 'c1'])
      const sender = startCli(['stream-audio', '--to', `127.0.0.1:${port}`, '--user', 'audiostats', '--redis', redis])
      await seen
      expect(roles.get('receiver')).toMatchObject({type: 'audio.stats', callId: 'c1'})
      expect(roles.get('sender')).toMatchObject({type: 'audio.stats', body: {role: 'sender'}})
      sender.kill('SIGINT')
      expect((await sender).exitCode).toBe(0)
      expect((await receiver).exitCode).toBe(0)
    } finally {
      await bus.close()
    }
  }, 120_000)
})
