// `npm run bench -- startup`: what a component process costs to start (issue 12). A call starts ~5 of them per side,
// so this is call set-up time. For each component: the median of RUNS from spawn to its first useful act (the
// listening port for a receiver or the control callee; the connection failure for `--to 127.0.0.1:1`, which comes
// right after its first connection attempt), its max RSS and its CPU time (user + sys, from /usr/bin/time), beside two
// references measured in the same run, interleaved: `node -e 0` (to exit) and a bare node process that opens a
// listening socket. Targets: first act ≤ 2× the bare listening node; ≤ 60 MB RSS without OpenCV.
// "call" rows run as a call starts them (--user, --redis, --json, a media or control key; receivers and the control
// callee with --await-start, reporting their port before the start line, which never comes here); "alone" rows are the
// standalone commands as issue 12 measured them; "command" rows are what people type, to their exit. Needs dist/ (npm run bench builds it) and redis-server.
import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {performance} from 'node:perf_hooks'
import {createInterface} from 'node:readline'
import {fileURLToPath} from 'node:url'

import {startPrivateRedis} from '../src/bus/private-redis.js'
import type {Row, Suite} from './run.js'
import {BENCH_CONFIG_HOME} from './config-home.js'

// IVC_BENCH_RUNS: fewer runs for a quick look.
const RUNS = Number(process.env.IVC_BENCH_RUNS ?? 10)
const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const TIME = '/usr/bin/time'
/** A stream key as `ivc secret new` makes them (the media components take no other), and a control key. */
const MEDIA_SECRET = 'ivc1-AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9jDc0p'
const SECRET = 'c3RhcnR1cC1iZW5jaC1rZXktMzItYnl0ZXMtbG9uZyE='
const RATIO_TARGET = 2
const RSS_TARGET_MB = 60
const BARE_LISTEN = "require('net').createServer().listen(0, '127.0.0.1', function () { process.stderr.write('listening ' + this.address().port + '\\n'); process.exit(0) })"

interface Case {
  name: string
  mode: 'reference' | 'call' | 'alone' | 'command'
  args: string[]
  env?: Record<string, string>
  /** The first useful act: a line it prints (undefined: its exit). */
  act?: {stream: 'stdout' | 'stderr'; match: (line: string) => boolean}
  /**
   * Loads OpenCV by design: the JPEG sender, and a video receiver whose sink decodes (null checks every stamp), which
   * loads the decoder right after it listens. The RSS target (a component without OpenCV) does not apply.
   */
  opencv?: boolean
}

interface Sample {
  ms: number
  rssMb: number | undefined
  cpuMs: number | undefined
}

const listening = {stream: 'stdout' as const, match: (line: string) => line.includes('"event":"listening"')}
const failed = {stream: 'stderr' as const, match: (line: string) => line.startsWith('ivc: ')}

function cases(redis: string): Case[] {
  const call = (user: string) => ['--user', user, '--redis', redis, '--json', '--call-id', 'bench-call']
  const media = {IVC_MEDIA_SECRET: MEDIA_SECRET}
  return [
    {name: 'node -e 0', mode: 'reference', args: ['-e', '0']},
    {name: 'node listening socket', mode: 'reference', args: ['-e', BARE_LISTEN], act: {stream: 'stderr', match: (line) => line.startsWith('listening')}},
    {name: 'stream-video --listen', mode: 'call', args: [BIN, 'stream-video', '--listen', '--port', '0', '--sink', 'null', '--await-start', ...call('bench-vr')], env: media, act: listening, opencv: true},
    {name: 'stream-audio --listen', mode: 'call', args: [BIN, 'stream-audio', '--listen', '--port', '0', '--sink', 'null', '--await-start', ...call('bench-ar')], env: media, act: listening},
    {name: 'control run (callee)', mode: 'call', args: [BIN, 'control', 'run', '--peer', 'bob', '--control-port', '0', '--await-start', ...call('bench-c')], env: {IVC_CALL_SECRET: SECRET}, act: listening},
    {name: 'stream-audio --to', mode: 'call', args: [BIN, 'stream-audio', '--to', '127.0.0.1:1', ...call('bench-as')], env: media, act: failed},
    {name: 'stream-video --to --codec raw', mode: 'call', args: [BIN, 'stream-video', '--to', '127.0.0.1:1', '--codec', 'raw', ...call('bench-vs')], env: media, act: failed},
    {name: 'stream-video --to (jpeg)', mode: 'call', args: [BIN, 'stream-video', '--to', '127.0.0.1:1', ...call('bench-vj')], env: media, act: failed, opencv: true},
    {name: 'stream-audio --to', mode: 'alone', args: [BIN, 'stream-audio', '--to', '127.0.0.1:1'], act: failed},
    {name: 'stream-video --to', mode: 'alone', args: [BIN, 'stream-video', '--to', '127.0.0.1:1'], act: failed, opencv: true},
    {name: 'stream-video --listen', mode: 'alone', args: [BIN, 'stream-video', '--listen', '--port', '0', '--sink', 'null'], act: {stream: 'stderr', match: (line) => line.startsWith('listening for video')}, opencv: true},
    // The commands people type (issue 15: the README's --help figure): to their exit; no target.
    {name: 'ivc --help', mode: 'command', args: [BIN, '--help']},
    {name: 'ivc listen --help', mode: 'command', args: [BIN, 'listen', '--help']},
    {name: 'ivc doctor', mode: 'command', args: [BIN, 'doctor', '--redis', redis]},
  ]
}

/**
 * One run: spawn (under /usr/bin/time for max RSS and CPU) until the first act, then close its stdin — a supervised
 * component (IVC_SUPERVISED=1) shuts down when its supervisor goes, as in a call — and wait for the exit.
 */
async function runOnce(item: Case, dir: string, run: number): Promise<Sample> {
  const statsFile = join(dir, `time-${run}-${item.name.replaceAll(/\W+/g, '_')}-${item.mode}`)
  const timed = existsSync(TIME)
  const [command, args] = timed ? [TIME, ['-f', '%M %U %S', '-o', statsFile, process.execPath, ...item.args]] : [process.execPath, item.args]
  const started = performance.now()
  const child = spawn(command, args, {stdio: ['pipe', 'pipe', 'pipe'], env: {...process.env, XDG_CONFIG_HOME: BENCH_CONFIG_HOME, IVC_SUPERVISED: '1', IVC_LOG_LEVEL: 'warn', ...item.env}})
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const output: string[] = []
  const act = new Promise<number>((resolve) => {
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({input: child[stream]}).on('line', (line) => {
        output.push(line)
        if (item.act?.stream === stream && item.act.match(line)) resolve(performance.now())
      })
    }

    if (!item.act) void exited.then(() => resolve(performance.now()))
  })
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  const actAt = await Promise.race([act, exited.then(() => undefined)])
  child.stdin.end()
  await exited
  clearTimeout(killer)
  // The act line may be read after the exit event; it counts as long as it came.
  const at = actAt ?? (await Promise.race([act, new Promise<undefined>((resolve) => setTimeout(resolve, 200))]))
  if (at === undefined) throw new Error(`${item.mode} ${item.name}: no first act; it printed:\n${output.join('\n')}`)
  let rssMb: number | undefined
  let cpuMs: number | undefined
  if (timed) {
    const [rssKb, user, sys] = readFileSync(statsFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number)
    rssMb = rssKb / 1024
    cpuMs = (user + sys) * 1000
  }

  return {ms: at - started, rssMb, cpuMs}
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2
}

export const startupSuite: Suite = {
  name: 'startup',
  description: `component start to first useful act, max RSS and CPU: median of ${RUNS}, beside bare node in the same run`,
  async run(): Promise<Row[]> {
    const redis = await startPrivateRedis()
    const dir = mkdtempSync(join(tmpdir(), 'ivc-bench-startup-'))
    try {
      const all = cases(redis.url)
      const samples = new Map<Case, Sample[]>(all.map((item) => [item, []]))
      // One warm-up round (disk cache), then rounds that interleave the cases so a noisy neighbour hits all alike.
      for (let run = -1; run < RUNS; run++) {
        for (const item of all) {
          const sample = await runOnce(item, dir, run)
          if (run >= 0) samples.get(item)!.push(sample)
        }
      }

      const bare = median(samples.get(all[1])!.map((sample) => sample.ms))
      return all.map((item) => {
        const runs = samples.get(item)!
        const ms = median(runs.map((sample) => sample.ms))
        const rss = runs.every((sample) => sample.rssMb !== undefined) ? median(runs.map((sample) => sample.rssMb!)) : null
        const cpu = runs.every((sample) => sample.cpuMs !== undefined) ? median(runs.map((sample) => sample.cpuMs!)) : null
        const component = item.mode === 'call' || item.mode === 'alone'
        const meets = ms <= RATIO_TARGET * bare && (item.opencv || rss === null || rss <= RSS_TARGET_MB)
        return {
          process: item.name,
          as: item.mode,
          'first act ms': ms,
          'min ms': Math.min(...runs.map((sample) => sample.ms)),
          'max ms': Math.max(...runs.map((sample) => sample.ms)),
          '× bare listen': ms / bare,
          'max RSS MB': rss,
          'CPU ms': cpu,
          target: component ? `≤ ${RATIO_TARGET}×${item.opencv ? '' : `, ≤ ${RSS_TARGET_MB} MB`}` : null,
          met: component ? (meets ? 'yes' : 'NO') : null,
        }
      })
    } finally {
      rmSync(dir, {recursive: true, force: true})
      await redis.stop()
    }
  },
}
