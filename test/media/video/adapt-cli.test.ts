import {randomUUID} from 'node:crypto'

import {afterEach, describe, expect, inject, it} from 'vitest'

import {Bus} from '../../../src/bus/bus.js'
import {killAll, runCli, startCli, waitForLine} from '../../support/cli.js'
import {recordingLogger} from '../../support/logger.js'

afterEach(() => killAll())

const listening = async (child: ReturnType<typeof startCli>) => JSON.parse(await waitForLine(child, 'stdout', (line) => line.includes('"listening"'))).port as number
const events = (stdout: unknown) => String(stdout).trim().split('\n').map((line) => JSON.parse(line) as Record<string, any>) // eslint-disable-line @typescript-eslint/no-explicit-any

describe('ivc stream-video adaptation (processes over loopback)', () => {
  it('feedback flows receiver → sender, and the sender\'s stats, line, summary and bus state carry the adaptation', async () => {
    const redis = inject('redisUrl')
    const user = `a${randomUUID().slice(0, 8)}`
    const receiver = startCli(['stream-video', '--listen', '--port', '0', '--sink', 'null', '--json', '--log-level', 'info', '--connections', '4'])
    const port = await listening(receiver)
    const running = startCli(['stream-video', '--to', `127.0.0.1:${port}`, '--connections', '4', '--size', '320x240', '--json', '--adapt', 'gcc', '--max-latency', '120', '--user', user, '--redis', redis])
    // Run until the sender has taken 20 reports and printed two stats events, however long that takes; then Ctrl-C.
    let statsSeen = 0
    await waitForLine(running, 'stdout', (line) => line.includes('"event":"stats"') && ++statsSeen >= 2 && JSON.parse(line).adapt.reports >= 20)
    running.kill('SIGINT')
    const [sender, rx] = await Promise.all([running, receiver])
    expect(sender.exitCode, String(sender.stderr)).toBe(0)
    expect(rx.exitCode, String(rx.stderr)).toBe(0)

    // The receiver sent reports; the sender took them (none malformed).
    const sent = Number(/video feedback: (\d+) reports sent/.exec(String(rx.stderr))?.[1])
    expect(sent).toBeGreaterThanOrEqual(20)
    const tx = events(String(sender.stdout))
    const summary = tx.at(-1)!
    expect(summary).toMatchObject({role: 'sender', adapt: {strategy: 'gcc', badReports: 0}})
    expect(summary.adapt.reports).toBeGreaterThanOrEqual(20)
    expect(summary.adapt.reports).toBeLessThanOrEqual(sent)
    expect(Object.keys(summary.adapt)).toEqual(['strategy', 'targetKbps', 'scale', 'quality', 'fps', 'reason', 'skippedLate', 'skippedBudget', 'badReports', 'reports'])
    expect(summary.adapt.targetKbps).toBeGreaterThan(0)
    const stats = tx.filter((event) => event.event === 'stats')
    expect(stats.length).toBeGreaterThanOrEqual(2)
    for (const event of stats) expect(event.adapt.strategy).toBe('gcc')
    expect(stats.at(-1)!.recent).toMatchObject({fps: expect.any(Number), kbps: expect.any(Number)})
    expect(String(sender.stderr)).toMatch(/video tx: .* adapt gcc: target \d+ kbit\/s, scale [\d.]+ q\d+ \d+ fps \(/)

    // The receiver's summary keeps exactly the keys; its stats events add the last second's latency.
    const rxEvents = events(rx.stdout)
    expect(Object.keys(rxEvents.at(-1)!)).toEqual(['role', 'frames', 'fps', 'kbps', 'bytes', 'latencyMs', 'dropped', 'freezes', 'outOfOrder'])
    expect(rxEvents.find((event) => event.event === 'stats' && event.frames > 0)!.recent.latencyMs).toMatchObject({p50: expect.any(Number), p95: expect.any(Number)})

    // What `ivc control stats` reads: the component's state on the bus.
    const bus = await Bus.connect({redis, user, component: 'test', logger: recordingLogger()})
    try {
      expect((await bus.getState('stream-video')).sender).toMatchObject({role: 'sender', adapt: {strategy: 'gcc'}})
    } finally {
      await bus.close()
    }
  }, 120_000)

  it('--adapt off keeps the top encoding; --adapt seed starts there; a bad strategy is a usage error', async () => {
    for (const strategy of ['off', 'seed']) {
      const receiver = startCli(['stream-video', '--listen', '--port', '0', '--sink', 'null', '--json', '--connections', '2'])
      const port = await listening(receiver)
      const played = waitForLine(receiver, 'stdout', (line) => line.includes('"event":"stats"') && JSON.parse(line).frames > 0)
      const sender = startCli(['stream-video', '--to', `127.0.0.1:${port}`, '--connections', '2', '--size', '320x240', '--quality', '70', '--json', '--adapt', strategy])
      await played
      sender.kill('SIGINT')
      const [tx, rx] = await Promise.all([sender, receiver])
      expect(tx.exitCode, String(tx.stderr)).toBe(0)
      const adapt = events(tx.stdout).at(-1)!.adapt
      // off never changes the encoding; seed (the paper's frame-size rule) only ever scales frames, from the top.
      if (strategy === 'off') expect(adapt).toMatchObject({strategy, scale: 1, quality: 70, fps: 30, skippedLate: 0, skippedBudget: 0, reason: 'off'})
      else expect(adapt).toMatchObject({strategy, quality: 70, fps: 30, reason: expect.stringMatching(/^(start$|seed:)/)})
      expect(events(rx.stdout).at(-1)!).toMatchObject({outOfOrder: 0, frames: expect.any(Number)})
      expect(events(rx.stdout).at(-1)!.frames).toBeGreaterThan(0)
    }

    const bad = await runCli(['stream-video', '--to', '127.0.0.1', '--adapt', 'fast'])
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toMatch(/gcc|seed|off/)
  }, 120_000)
})
