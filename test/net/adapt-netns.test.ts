import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {BIN} from '../support/cli.js'
import {ADDRESS_B, createLink, endReceiver, firstLine, type NetLink, netnsSupport} from '../support/netns.js'

const support = await netnsSupport()
if (!support.ok && !support.missing) console.warn(`SKIPPED adaptation-over-netns test: ${support.reason}`)

const BOUND_MS = 150
const SECONDS = 8
type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

const ndjson = (stdout: unknown): Json[] =>
  String(stdout ?? '')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Json)

/** One 640x480@30 synthetic stream a → b through the shaped link with `--adapt strategy`; both sides' NDJSON. */
async function stream(link: NetLink, strategy: string, port: number): Promise<{rx: Json[]; tx: Json[]}> {
  const env = {IVC_LOG_LEVEL: 'warn', XDG_CONFIG_HOME: '/nonexistent-ivc-test-config'}
  const receiver = link.spawn('b', process.execPath, [BIN, 'stream-video', '--listen', '--port', String(port), '--sink', 'null', '--json', '--duration', String(SECONDS + 4)], {timeoutMs: 30_000, env})
  await firstLine(receiver, (line) => line.includes('"listening"'), 15_000)
  const sender = link.spawn('a', process.execPath, [BIN, 'stream-video', '--to', `${ADDRESS_B}:${port}`, '--duration', String(SECONDS), '--adapt', strategy, '--max-latency', String(BOUND_MS), '--json'], {timeoutMs: 30_000, env})
  const tx = await sender
  const rx = await endReceiver(receiver)
  expect(tx.exitCode, `sender ${tx.signal ?? ''}: ${String(tx.stderr)}`).toBe(0)
  expect(rx.exitCode, `receiver ${rx.signal ?? ''}: ${String(rx.stderr)}`).toBe(0)
  return {rx: ndjson(rx.stdout), tx: ndjson(tx.stdout)}
}

// A missing tool is a failure with its install hint; only a machine that cannot make namespaces skips, saying why.
describe.skipIf(!support.ok && !support.missing)('adaptation on a 2 Mbit/s tbf link between two namespaces', () => {
  let link: NetLink

  beforeAll(async () => {
    if (!support.ok) throw new Error(support.reason)
    link = await createLink()
    await link.shape('a-to-b', {rateKbit: 2000})
  })

  afterAll(async () => {
    await link?.close()
  })

  it('gcc keeps latency under the bound where off does not', {timeout: 60_000}, async () => {
    const results: Record<string, {rx: Json[]; tx: Json[]}> = {}
    for (const [index, strategy] of ['gcc', 'off'].entries()) results[strategy] = await stream(link, strategy, 12_400 + index)
    const settled = (rx: Json[]) => rx.filter((event) => event.event === 'stats').slice(3).map((event) => event.recent.latencyMs.p95 as number)
    const summary = (events: Json[]) => events.filter((event) => event.event === undefined).at(-1)!
    const gcc = {rx: summary(results.gcc.rx), tx: summary(results.gcc.tx), settled: settled(results.gcc.rx)}
    const off = {rx: summary(results.off.rx), tx: summary(results.off.tx), settled: settled(results.off.rx)}
    console.log(`2 Mbit/s link, ${SECONDS} s: gcc p95 ${gcc.rx.latencyMs.p95} ms (per second after 3 s: ${gcc.settled.join(', ')}), ${gcc.rx.fps} fps, ${gcc.rx.kbps} kbit/s, ${JSON.stringify(gcc.tx.adapt)}`)
    console.log(`2 Mbit/s link, ${SECONDS} s: off p95 ${off.rx.latencyMs.p95} ms (per second after 3 s: ${off.settled.join(', ')}), ${off.rx.fps} fps, ${off.rx.kbps} kbit/s`)

    // Feedback crossed the link and steered the sender below the link's rate.
    expect(gcc.tx.adapt).toMatchObject({strategy: 'gcc', badReports: 0})
    expect(gcc.tx.adapt.reports).toBeGreaterThan(5 * SECONDS)
    expect(gcc.tx.adapt.scale).toBeLessThan(1)
    expect(gcc.rx.kbps).toBeLessThan(2000)
    expect(gcc.settled.length).toBeGreaterThanOrEqual(SECONDS - 4)
    // gcc: every second after the first three under the bound; off: its queue is far above it.
    expect(Math.max(...gcc.settled)).toBeLessThan(BOUND_MS)
    expect(off.rx.latencyMs.p95).toBeGreaterThan(BOUND_MS)
    expect(Math.max(...off.settled)).toBeGreaterThan(2 * BOUND_MS)
    expect(off.tx.adapt).toMatchObject({strategy: 'off', scale: 1, skippedLate: 0, skippedBudget: 0})
    // And gcc still delivers video, in order.
    expect(gcc.rx.fps).toBeGreaterThan(10)
    expect(gcc.rx.outOfOrder).toBe(0)
  })
})
