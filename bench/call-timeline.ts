// Where a loopback call's set-up time goes: bob runs `ivc listen --auto-accept`, alice `ivc call bob`, both at
// --log-level debug with IVC_LOG_CLOCK=1 (every log line starts with the wall clock), and this prints every line of
// both sides and their components in time order, in ms since `ivc call` was spawned, until both sides have a first
// video frame (audio's usually comes first). The first call warms the disk cache and is not shown (IVC_TIMELINE_CALLS, default 2: the last is shown).
// Usage: npx tsx bench/call-timeline.ts [--all]   (--all: keep the adaptation's and stats' lines too)
import {fileURLToPath} from 'node:url'

import {execa, type ResultPromise} from 'execa'

import {startPrivateRedis} from '../src/bus/private-redis.js'
import {BENCH_CONFIG_HOME} from './config-home.js'

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const CALLS = Number(process.env.IVC_TIMELINE_CALLS ?? 2)
const MEDIA = ['--address', '127.0.0.1', '--size', '640x480', '--video-sink', 'null', '--audio-sink', 'null', '--log-level', 'debug']
const env = {...process.env, XDG_CONFIG_HOME: BENCH_CONFIG_HOME, IVC_LOG_CLOCK: '1'}
const all = process.argv.includes('--all')

interface Line {
  at: number
  side: string
  text: string
}

/** The innermost clock stamp of a line (a component's line comes relayed through its supervisor's logger). */
function stamped(side: string, raw: string): Line | undefined {
  const stamps = [...raw.matchAll(/(\d{13}\.\d) (?=\[)/g)]
  const last = stamps.at(-1)
  if (!last) return undefined
  return {at: Number(last[1]), side, text: raw.slice(last.index! + last[0].length)}
}

function collect(child: ResultPromise, side: string, lines: Line[], onLine?: (line: string) => void): void {
  let partial = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    const parts = (partial + String(chunk)).split('\n')
    partial = parts.pop() ?? ''
    for (const raw of parts) {
      const line = stamped(side, raw)
      if (line) lines.push(line)
    }
  })
  if (onLine) child.stdout!.on('data', (chunk: Buffer) => String(chunk).split('\n').forEach(onLine))
}

const redis = await startPrivateRedis()
const bobLines: Line[] = []
let bobFirstFrame: (() => void) | undefined
const listener = execa('node', [BIN, 'listen', '--user', 'bob', '--port', '0', '--auto-accept', '--json', '--redis', redis.url, ...MEDIA], {env, reject: false})
const listening = new Promise<void>((resolve) => listener.stdout!.on('data', (chunk: Buffer) => String(chunk).includes('"listening"') && resolve()))
collect(listener, 'bob', bobLines, (line) => line.includes('"call.first-frame"') && line.includes('"video"') && bobFirstFrame?.())
try {
  await listening
  let shown: Line[] = []
  for (let call = 0; call < CALLS; call++) {
    bobLines.length = 0
    const aliceLines: Line[] = []
    const bobFirst = new Promise<void>((resolve) => (bobFirstFrame = resolve))
    const spawnedAt = Date.now()
    const caller = execa('node', [BIN, 'call', 'bob', '--user', 'alice', '--redis', redis.url, '--json', ...MEDIA], {env, reject: false})
    const aliceFirst = new Promise<void>((resolve) => {
      caller.stderr!.on('data', (chunk: Buffer) => String(chunk).includes('first video frame from bob') && resolve())
    })
    collect(caller, 'alice', aliceLines)
    await Promise.all([aliceFirst, bobFirst])
    caller.kill('SIGINT')
    await caller
    shown = [...aliceLines, ...bobLines].map((line) => ({...line, at: line.at - spawnedAt}))
    await new Promise((resolve) => setTimeout(resolve, 1500))
  }

  const noise = /adapt:|stats|publishing|\bfeedback\b/
  for (const line of shown.sort((a, b) => a.at - b.at)) {
    if (!all && noise.test(line.text)) continue
    console.log(`${line.at.toFixed(0).padStart(6)} ms  ${line.side.padEnd(5)}  ${line.text}`)
  }
} finally {
  listener.kill('SIGINT')
  await listener
  await redis.stop()
}
