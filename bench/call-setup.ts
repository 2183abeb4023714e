// Suite `call-setup`: how long a call takes to connect on loopback (issue 12). bob runs `ivc listen --auto-accept`;
// each run spawns `ivc call bob --user alice` and times, on the bus, spawn → alice's first remote frame
// (`call.first-frame`, any medium) and bob's accept → his first frame (the `setupMs` of his `call.first-frame`). Median
// of IVC_BENCH_CALL_RUNS (default 5); the same two for the first VIDEO frame (audio's usually comes first), beside a bare node process spawned to a listening socket in the same run.
// Targets: `ivc call` → first remote frame ≤ 1.5 s; the listener's accept → first frame ≤ 1 s.
import {spawn} from 'node:child_process'
import {performance} from 'node:perf_hooks'
import {fileURLToPath} from 'node:url'

import {execa, type ResultPromise} from 'execa'

import {Bus} from '../src/bus/bus.js'
import {startPrivateRedis} from '../src/bus/private-redis.js'
import {createLogger} from '../src/foundation/logger.js'
import type {Row, Suite} from './run.js'
import {BENCH_CONFIG_HOME} from './config-home.js'

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const RUNS = Number(process.env.IVC_BENCH_CALL_RUNS ?? 5)
const MEDIA = ['--size', '640x480', '--video-sink', 'null', '--audio-sink', 'null']
const quiet = createLogger('error', 'bench', () => undefined)
const env = {...process.env, XDG_CONFIG_HOME: BENCH_CONFIG_HOME}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2
}

/** A bare node process from spawn to a listening socket: the floor any process start has here. */
export async function bareListen(): Promise<number> {
  const started = performance.now()
  const child = spawn(process.execPath, ['-e', "require('net').createServer().listen(0, () => { console.log('up'); process.exit(0) })"], {stdio: ['ignore', 'pipe', 'ignore']})
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
  const ms = performance.now() - started
  await new Promise((resolve) => child.once('exit', resolve))
  return ms
}

/** Each call's first `call.first-frame` on `bus`, of any medium and of video (audio's usually comes first). */
function firstFrame(bus: Bus): {next(): {any: Promise<FirstFrame>; video: Promise<FirstFrame>}} {
  const waiters: {any?: (value: FirstFrame) => void; video?: (value: FirstFrame) => void} = {}
  void bus.subscribe('call', (envelope) => {
    if (envelope.type !== 'call.first-frame') return
    const frame = {at: performance.now(), setupMs: envelope.body.setupMs}
    waiters.any?.(frame)
    waiters.any = undefined
    if (envelope.body.kind === 'video') {
      waiters.video?.(frame)
      waiters.video = undefined
    }
  })
  return {
    next() {
      const any = new Promise<FirstFrame>((resolve) => (waiters.any = resolve))
      const video = new Promise<FirstFrame>((resolve) => (waiters.video = resolve))
      return {any, video}
    },
  }
}

/** bob's next `call.ended` on `bus`, or an error after 60 s. */
async function ended(bus: Bus): Promise<void> {
  let unsubscribe: (() => Promise<void>) | undefined
  const seen = new Promise<void>((resolve) => {
    void bus.subscribe('call', (envelope) => envelope.type === 'call.ended' && resolve()).then((stop) => (unsubscribe = stop))
  })
  try {
    await within(60_000, 'the callee never ended the call', seen)
  } finally {
    await unsubscribe?.()
  }
}

/** `promise`, or a rejection saying `what` after `ms`: a bench fails loudly instead of hanging. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`bench call-setup: ${what} within ${ms / 1000} s`)), ms)))
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}

interface FirstFrame {
  at: number
  setupMs: number
}

/** How to start bob's `ivc listen` and alice's `ivc call` (here, or in a network namespace): `args` after the bin. */
export type SpawnSide = (side: 'alice' | 'bob', args: string[]) => ResultPromise

/**
 * Median over `runs` calls (after one warm-up) of alice's `ivc call bob` spawn → her first remote frame and bob's
 * accept → his first frame, with a bare node spawn → listening socket measured before each call. `redisUrl` is the
 * bus both users share (a unix socket reaches into network namespaces too); `address` what each side announces.
 */
export async function measureCallSetup(options: {redisUrl: string; spawn: SpawnSide; address: {alice: string; bob: string}; runs: number; bare?: () => Promise<number>}): Promise<Row[]> {
  const {redisUrl, spawn: start, runs} = options
  const media = (side: 'alice' | 'bob') => ['--address', options.address[side], ...MEDIA]
  const listener = start('bob', ['listen', '--user', 'bob', '--port', '0', '--auto-accept', '--json', '--redis', redisUrl, ...media('bob')])
  try {
    await new Promise<void>((resolve, reject) => {
      listener.stdout!.on('data', (chunk: Buffer) => String(chunk).includes('"listening"') && resolve())
      void listener.then((result) => reject(new Error(`ivc listen ended: ${String(result.stderr).slice(-500)}`)))
    })
    const alice = await Bus.connect({redis: redisUrl, user: 'alice', component: 'bench', logger: quiet})
    const bob = await Bus.connect({redis: redisUrl, user: 'bob', component: 'bench', logger: quiet})
    const aliceFrames = firstFrame(alice)
    const bobFrames = firstFrame(bob)
    await new Promise((resolve) => setTimeout(resolve, 200))
    const calls: number[] = []
    const accepts: number[] = []
    const videos: number[] = []
    const acceptVideos: number[] = []
    const bare: number[] = []
    for (let run = -1; run < runs; run++) {
      bare.push(await (options.bare ?? bareListen)())
      const aliceFirst = aliceFrames.next()
      const bobFirst = bobFrames.next()
      const started = performance.now()
      const call = start('alice', ['call', 'bob', '--user', 'alice', '--redis', redisUrl, '--json', ...media('alice')])
      const [fromAlice, fromBob, aliceVideo, bobVideo] = await within(60_000, `call ${run + 1}: no first frame of each kind on both sides`, Promise.all([aliceFirst.any, bobFirst.any, aliceFirst.video, bobFirst.video]))
      if (run >= 0) {
        calls.push(fromAlice.at - started)
        accepts.push(fromBob.setupMs)
        videos.push(aliceVideo.at - started)
        acceptVideos.push(bobVideo.setupMs)
      }

      const bobEnded = ended(bob)
      call.kill('SIGINT')
      await call
      // bob's side has ended (its components stopped) before the next call, which would otherwise find him busy.
      await bobEnded
    }

    await alice.close()
    await bob.close()
    const measured = bare.slice(1)
    const bareMs = median(measured)
    return [
      {measure: 'bare node: spawn → listening socket', 'median ms': bareMs, 'min ms': Math.min(...measured), 'max ms': Math.max(...measured), target: null, met: null},
      {measure: 'ivc call: spawn → first remote frame', 'median ms': median(calls), 'min ms': Math.min(...calls), 'max ms': Math.max(...calls), target: '≤ 1500', met: median(calls) <= 1500 ? 'yes' : 'NO'},
      {measure: 'ivc call: spawn → first remote video frame', 'median ms': median(videos), 'min ms': Math.min(...videos), 'max ms': Math.max(...videos), target: null, met: null},
      {measure: 'ivc listen: accept → first frame', 'median ms': median(accepts), 'min ms': Math.min(...accepts), 'max ms': Math.max(...accepts), target: '≤ 1000', met: median(accepts) <= 1000 ? 'yes' : 'NO'},
      {measure: 'ivc listen: accept → first video frame', 'median ms': median(acceptVideos), 'min ms': Math.min(...acceptVideos), 'max ms': Math.max(...acceptVideos), target: null, met: null},
    ]
  } finally {
    listener.kill('SIGINT')
    await listener
  }
}

export const callSetupSuite: Suite = {
  name: 'call-setup',
  description: `ivc call → first remote frame on loopback, and the listener's accept → first frame: median of ${RUNS}`,
  async run(): Promise<Row[]> {
    const redis = await startPrivateRedis()
    try {
      return await measureCallSetup({redisUrl: redis.url, runs: RUNS, address: {alice: '127.0.0.1', bob: '127.0.0.1'}, spawn: (_side, args) => execa('node', [BIN, ...args], {env, reject: false})})
    } finally {
      await redis.stop()
    }
  },
}
