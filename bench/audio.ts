// Audio loopback benchmark: `ivc stream-audio` tone → 127.0.0.1 → null sink, as two real processes, as PCM (over 10
// and 1 connections) and as Opus (10; issue 18's target: ≤ 48 kbit/s, mouth-to-ear p95 ≤ 60 ms, 0 underruns in 60 s).
// Mouth-to-ear latency is capture → hand-over to the sink (transport + jitter buffer; both processes share
// CLOCK_MONOTONIC, so it is exact on one host). IVC_BENCH_AUDIO_SECONDS sets the run length (default 20; the issue's
// target is stated for 60).
import {readFileSync} from 'node:fs'

import {runCli, startCli, waitForLine} from '../test/support/cli.js'
import type {Row, Suite} from './run.js'

const SECONDS = Number(process.env.IVC_BENCH_AUDIO_SECONDS ?? 20)
const TICKS_PER_SECOND = 100 // USER_HZ on Linux

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
}

/** CPU % of one core used by `pid` over `ms`, sampled between two reads of /proc. */
async function cpuPercent(pid: number, ms: number): Promise<number> {
  const before = cpuSeconds(pid)
  await new Promise((resolve) => setTimeout(resolve, ms))
  return ((cpuSeconds(pid) - before) / (ms / 1000)) * 100
}

async function loopback(codec: 'pcm' | 'opus', connections: number): Promise<Row> {
  const receiver = startCli(['stream-audio', '--listen', '--port', '0', '--sink', 'null', '--codec', codec, '--json'])
  const port = JSON.parse(await waitForLine(receiver, 'stdout', (line) => line.includes('"listening"'))).port
  const sender = startCli(['stream-audio', '--to', `127.0.0.1:${port}`, '--source', 'tone', '--connections', String(connections), '--codec', codec, '--duration', String(SECONDS)])
  // CPU over the steady middle of the run (after start-up, before the end).
  await new Promise((resolve) => setTimeout(resolve, 2000))
  const window = (SECONDS - 4) * 1000
  const [rxCpu, txCpu] = await Promise.all([cpuPercent(receiver.pid!, window), cpuPercent(sender.pid!, window)])
  await sender
  const out = String((await receiver).stdout).trim().split('\n').map((line) => JSON.parse(line))
  const summary = out.at(-1)
  const afterFirstSecond = out.find((event) => event.event === 'stats' && event.played >= 50)
  return {
    codec,
    connections,
    seconds: SECONDS,
    frames: summary.frames,
    'latency p50 ms': summary.latencyMs.p50,
    'latency p95 ms': summary.latencyMs.p95,
    'latency max ms': summary.latencyMs.max,
    underruns: summary.underruns,
    'underruns after 1 s': summary.underruns - (afterFirstSecond?.underruns ?? 0),
    concealed: summary.concealed,
    skipped: summary.dropped,
    'jitter ms': summary.jitterMs,
    'buffer target ms': summary.targetDelayMs,
    kbps: summary.kbps,
    'rx CPU %': Math.round(rxCpu * 100) / 100,
    'tx CPU %': Math.round(txCpu * 100) / 100,
  }
}

export const audioSuite: Suite = {
  name: 'audio',
  description: `stream-audio loopback, tone → null sink, ${SECONDS} s (IVC_BENCH_AUDIO_SECONDS): pcm over 10 and 1 connections, opus over 10`,
  async run() {
    // A throwaway run first makes sure the CLI works before the timed ones.
    const check = await runCli(['stream-audio', '--help'])
    if (check.exitCode !== 0) throw new Error(`ivc stream-audio --help failed: ${check.stderr}`)
    return [await loopback('pcm', 10), await loopback('pcm', 1), await loopback('opus', 10)]
  },
}
