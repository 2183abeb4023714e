// `npm run bench:net` (as root): 640x480@30 synthetic video plus audio from one network namespace to another through
// (a) an unlimited link, (b) a 2 Mbit/s tbf link, (c) 8 → 1.5 → 8 Mbit/s, each with JPEG + PCM and --adapt gcc, seed
// and off, and with H.264 + Opus and VP8 + Opus and gcc (net-profiles.ts CODECS).
// Prints a table, writes bench/results/net-latest.json and a latency-over-time PNG of the step run.
// Columns: latency p50/p95 (receiver, capture → sink), the worst 1 s p95 after 3 s, seconds until back under the bound
// after the step down, seconds until full quality after the step up, freezes, delivered fps, kbit/s, mean frame size,
// the last encoding, audio underruns and audio p95. If the built CLI lacks --adapt (an old dist/), it says so and runs
// the link check only: a TCP bulk transfer through each profile, measured per phase (and charted).
import {mkdirSync, writeFileSync} from 'node:fs'

import {execa} from 'execa'

import {startPrivateRedis} from '../src/bus/private-redis.js'
import {ADDRESS_A, ADDRESS_B, bulkTransfer, createLink, firstLine, netnsSupport, type NetLink, rateKbit} from '../test/support/netns.js'
import {measureCallSetup} from './call-setup.js'
import {lineChartPng, type Series} from './chart.js'
import {CODECS, type LinkProfile, MAX_LATENCY_MS, playProfile, PROFILES} from './net-profiles.js'
import {runStreams} from './net-run.js'
import {BENCH_CONFIG_HOME} from './config-home.js'

type Row = Record<string, string | number | null>

// `npm run bench:net -- --only 2mbit:gcc` runs one profile (and strategy; `2mbit:h264+opus` its H.264 run) and prints
// its once-a-second trace.
const onlyAt = process.argv.indexOf('--only')
const only = onlyAt > 0 ? process.argv[onlyAt + 1] ?? '' : undefined
/** A run's names for --only: `profile:strategy` for JPEG's, `profile:codecs` for the others (gcc alone). */
const runName = (profile: string, strategy: string, codecs: string) => `${profile}:${codecs === CODECS[0].name ? strategy : codecs}`
const RUNS = CODECS.flatMap((codecs) => codecs.strategies.map((strategy) => ({codecs, strategy})))
const selected = (profile: string, strategy: string, codecs: string) => only === undefined || only === profile || only === runName(profile, strategy, codecs)
if (only !== undefined && only !== 'call-setup' && !PROFILES.some((profile) => RUNS.some((run) => selected(profile.name, run.strategy, run.codecs.name)))) {
  const names = PROFILES.flatMap((profile) => [profile.name, ...RUNS.map((run) => runName(profile.name, run.strategy, run.codecs.name))])
  console.error(`bench:net: --only takes one of: ${[...names, 'call-setup'].join(', ')}`)
  process.exit(2)
}

const support = await netnsSupport()
if (!support.ok) {
  console.error(`bench:net cannot run here: ${support.reason}`)
  process.exit(2)
}

const help = await execa('node', [new URL('../bin/run.js', import.meta.url).pathname, 'stream-video', '--help'], {reject: false, timeout: 30_000})
const wired = help.stdout.includes('--adapt') && help.stdout.includes('--max-latency')
const results = new URL('results/', import.meta.url)
mkdirSync(results, {recursive: true})
const rows: Row[] = []
// `ivc call` → first remote frame and accept → first frame across the unshaped link (issue 12), beside a bare node.
const setupRows: Row[] = []
const CALL_RUNS = Number(process.env.IVC_BENCH_NET_CALL_RUNS ?? 3)
const chartSeries: Series[] = []
let chartTitle = ''

const link = await createLink()
const stop = () => void link.close().finally(() => process.exit(130))
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
try {
  if (wired) {
    for (const profile of PROFILES) {
      for (const {codecs, strategy} of RUNS) {
        if (!selected(profile.name, strategy, codecs.name)) continue
        console.error(`bench:net: ${profile.name} × ${strategy} × ${codecs.name} (${profile.durationS} s)`)
        const run = await runStreams(link, profile, strategy, codecs)
        rows.push(run.row)
        if (only !== undefined) console.log(`\n### ${profile.name} × ${strategy} × ${codecs.name}, once a second\n${table(run.trace)}`)
        if (profile.stepDownAtS !== undefined) chartSeries.push({name: `${strategy} ${codecs.name}`, points: run.timeline})
      }
    }

    chartTitle = `Latency p95 per second, link ${PROFILES.at(-1)!.name} Mbit/s`
    if (only === undefined || only === 'call-setup') {
      console.error(`bench:net: call set-up, alice in one namespace and bob in the other (median of ${CALL_RUNS})`)
      setupRows.push(...(await callSetupAcross(link, CALL_RUNS)))
    }
  } else {
    console.error('bench:net: `ivc stream-video` has no --adapt/--max-latency yet: the video wiring is pending. Running the link check only.')
    for (const profile of PROFILES) {
      const {row, points} = await linkCheck(link, profile)
      rows.push(row)
      if (profile.stepDownAtS !== undefined) chartSeries.push({name: 'TCP bulk kbit/s', points})
    }

    chartTitle = `Link check: TCP bulk throughput through ${PROFILES.at(-1)!.name} (video --adapt wiring pending)`
  }
} finally {
  await link.close()
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-')
const body = JSON.stringify({date: new Date().toISOString(), node: process.version, wired, maxLatencyMs: MAX_LATENCY_MS, profiles: PROFILES, rows, callSetup: setupRows, chart: chartSeries, ...(only === undefined ? {} : {only})}, null, 2) + '\n'
// A partial run (--only) leaves the full run's files alone.
for (const name of only === undefined ? [`net-${stamp}.json`, 'net-latest.json'] : [`net-only-${stamp}.json`]) writeFileSync(new URL(name, results), body)
const png = lineChartPng({
  title: chartTitle,
  xName: 'seconds',
  yName: wired ? 'ms' : 'kbit/s',
  series: chartSeries,
  markY: wired ? {value: MAX_LATENCY_MS, label: `bound ${MAX_LATENCY_MS} ms`} : undefined,
})
if (only === undefined) writeFileSync(new URL('net-step-latency.png', results), png)
console.log(`\n## net${wired ? '' : ' (link check only: video --adapt wiring pending)'}\n${table(rows)}`)
if (setupRows.length > 0) console.log(`\n## call set-up across the namespaces\n${table(setupRows)}`)
console.error(only === undefined ? 'bench:net: wrote bench/results/net-latest.json and bench/results/net-step-latency.png' : `bench:net: wrote bench/results/net-only-${stamp}.json`)

/**
 * bench/call-setup.ts across the link: bob's `ivc listen` in namespace b, alice's `ivc call` in a, one private Redis
 * on a unix socket as both users' bus and the directory (a unix socket is not confined to a network namespace), so
 * signalling, control and media cross the veth pair. The bare node runs in namespace b too.
 */
async function callSetupAcross(netLink: NetLink, runs: number): Promise<Row[]> {
  const redis = await startPrivateRedis()
  const env = {XDG_CONFIG_HOME: BENCH_CONFIG_HOME}
  const bin = new URL('../bin/run.js', import.meta.url).pathname
  try {
    return await measureCallSetup({
      redisUrl: redis.url,
      runs,
      address: {alice: ADDRESS_A, bob: ADDRESS_B},
      spawn: (side, args) => netLink.spawn(side === 'alice' ? 'a' : 'b', process.execPath, [bin, ...args], {timeoutMs: 300_000, env}),
      bare: async () => {
        const started = performance.now()
        const child = netLink.spawn('b', process.execPath, ['-e', "require('net').createServer().listen(0, () => { console.log('up'); process.exit(0) })"])
        await firstLine(child, (line) => line.includes('up'), 15_000)
        const ms = performance.now() - started
        await child
        return ms
      },
    })
  } finally {
    await redis.stop()
  }
}

async function linkCheck(netLink: NetLink, profile: LinkProfile): Promise<{row: Row; points: Array<[number, number]>}> {
  const durationMs = Math.min(profile.durationS, 30) * 1000
  console.error(`bench:net: link check ${profile.name} (${durationMs / 1000} s)`)
  const apply = (rateKbit: number | undefined) => netLink.shape('a-to-b', {rateKbit})
  await apply(profile.phases[0].rateKbit)
  const samples = await bulkTransfer(netLink, {port: 5201, durationMs, tickMs: 250, during: () => playProfile(profile, apply)})
  await apply(undefined)
  const row: Row = {profile: profile.name, strategy: '(link check)', status: 'video --adapt wiring pending'}
  profile.phases.forEach((phase, index) => {
    const endS = Math.min(profile.phases[index + 1]?.atS ?? durationMs / 1000, durationMs / 1000)
    // Skip the first second of each phase: TCP needs it to settle onto the new rate.
    row[`phase ${index + 1} limit kbit/s`] = phase.rateKbit ?? 'none'
    row[`phase ${index + 1} measured kbit/s`] = Math.round(rateKbit(samples, (phase.atS + 1) * 1000, endS * 1000 - 100))
  })
  const points = samples.slice(1).map((sample, index): [number, number] => [sample.ms / 1000, ((sample.bytes - samples[index].bytes) * 8) / (sample.ms - samples[index].ms)])
  return {row, points}
}

function table(data: Row[]): string {
  if (data.length === 0) return '(no rows)'
  const columns = [...new Set(data.flatMap((row) => Object.keys(row)))]
  const cell = (value: Row[string] | undefined) => (value === null || value === undefined ? '-' : typeof value === 'number' ? String(Math.round(value * 100) / 100) : value)
  const widths = columns.map((column) => Math.max(column.length, ...data.map((row) => cell(row[column]).length)))
  const line = (values: string[]) => '| ' + values.map((value, index) => value.padEnd(widths[index])).join(' | ') + ' |'
  return [line(columns), line(widths.map((width) => '-'.repeat(width))), ...data.map((row) => line(columns.map((column) => cell(row[column]))))].join('\n')
}
