import {connect} from 'node:net'

import {afterEach, describe, expect, inject, it} from 'vitest'

import {Bus} from '../../src/bus/bus.js'
import type {Envelope} from '../../src/bus/envelope.js'
import {recordingLogger} from '../support/logger.js'

import {killAll, runCli, startCli, waitForLine} from '../support/cli.js'

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

describe('ivc stream-audio', () => {
  it('streams a tone over 10 connections: every frame in order, no underruns after the first second, p95 < 80 ms', async () => {
    const {receiver, port} = await listen(['--duration', '8'])
    const sender = await runCli(['stream-audio', '--to', `127.0.0.1:${port}`, '--source', 'tone', '--duration', '6', '--json'])
    expect(sender.exitCode, sender.stderr).toBe(0)
    const received = await receiver
    expect(received.exitCode, String(received.stderr)).toBe(0)
    const out = records(String(received.stdout))
    const summary = out.at(-1)!
    expect(summary).toMatchObject({role: 'receiver', late: 0})
    expect(summary.frames).toBeGreaterThanOrEqual(280)
    expect(summary.latencyMs.p95).toBeLessThan(80)
    expect(Object.keys(summary)).toEqual(expect.arrayContaining(['role', 'frames', 'underruns', 'concealed', 'late', 'latencyMs', 'jitterMs', 'kbps']))
    // Underruns after the first second: the total minus those counted by the first stats event after a second of audio.
    const afterFirstSecond = out.find((event) => event.event === 'stats' && event.played >= 50)
    expect(afterFirstSecond, 'a stats event after the first second').toBeDefined()
    expect(summary.underruns - afterFirstSecond!.underruns).toBe(0)
    // The null sink read the tone's watermark: what it got was the sender's frames, in order, none repeated, and
    // none missing but those the jitter buffer skipped on purpose (to cut the start-up delay) or gave up as lost.
    expect(summary.sink.continuity).toMatchObject({backwards: 0, missing: summary.dropped + summary.lost})
    expect(summary.dropped + summary.lost).toBeLessThanOrEqual(3)
    expect(summary.sink.continuity.marked).toBeGreaterThanOrEqual(280)
    const senderSummary = records(sender.stdout).at(-1)!
    expect(senderSummary).toMatchObject({role: 'sender'})
    expect(senderSummary.frames).toBeGreaterThanOrEqual(290)
  })

  it('ends the receiver cleanly with a summary when the sender is killed', async () => {
    const {receiver, port} = await listen()
    const sender = startCli(['stream-audio', '--to', `127.0.0.1:${port}`, '--source', 'tone', '--json'])
    await waitForLine(sender, 'stdout', (line) => line.includes('"stats"') && JSON.parse(line).frames >= 50)
    sender.kill('SIGKILL')
    const received = await receiver
    expect(received.exitCode, String(received.stderr)).toBe(0)
    const summary = records(String(received.stdout)).at(-1)!
    expect(summary.role).toBe('receiver')
    expect(summary.frames).toBeGreaterThanOrEqual(40)
  })

  it('rejects garbage on the port and still takes a real stream afterwards', async () => {
    const {receiver, port} = await listen()
    await new Promise<void>((resolve, reject) => {
      const socket = connect({host: '127.0.0.1', port}, () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))
      socket.on('close', () => resolve())
      socket.on('error', reject)
      socket.resume()
    })
    const sender = await runCli(['stream-audio', '--to', `127.0.0.1:${port}`, '--source', 'tone', '--duration', '2', '--connections', '3'])
    expect(sender.exitCode, sender.stderr).toBe(0)
    const received = await receiver
    expect(String(received.stderr)).toMatch(/rejected: bad media handshake/)
    expect(records(String(received.stdout)).at(-1)!.frames).toBeGreaterThanOrEqual(90)
  })

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
    const events: Envelope[] = []
    await bus.subscribe('audio-stats', (envelope) => void events.push(envelope))
    try {
      const {receiver, port} = await listen(['--user', 'audiostats', '--redis', redis, '--call-id', 'c1'])
      const sender = await runCli(['stream-audio', '--to', `127.0.0.1:${port}`, '--duration', '2', '--user', 'audiostats', '--redis', redis])
      expect(sender.exitCode, sender.stderr).toBe(0)
      expect((await receiver).exitCode).toBe(0)
      const roles = new Set(events.map((event) => (event.body as {role: string}).role))
      expect(roles).toEqual(new Set(['sender', 'receiver']))
      expect(events.find((event) => (event.body as {role: string}).role === 'receiver')).toMatchObject({type: 'audio.stats', callId: 'c1'})
    } finally {
      await bus.close()
    }
  })
})
