// One bench:net run: an audio and a video stream from namespace a to namespace b through the shaped link, with the
// given adaptation strategy, while the link plays its profile. Reads both sides' NDJSON as it comes, stamped with
// the time since the profile started, so the per-second latency lines up with the link's steps.
import {fileURLToPath} from 'node:url'

import type {ResultPromise} from 'execa'

import {ADDRESS_B, endReceiver, firstLine, type NetLink} from '../test/support/netns.js'
import {type Codecs, type LinkProfile, MAX_LATENCY_MS, playProfile} from './net-profiles.js'
import {BENCH_CONFIG_HOME} from './config-home.js'

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const TOP = {scale: 1, quality: 80, fps: 30}

export interface RunResult {
  profile: string
  strategy: string
  codecs: string
  /** The receiver's last-second latency p95, once a second: [seconds since the profile started, ms]. */
  timeline: Array<[number, number]>
  /** Once a second: the receiver's last second and the sender's adaptation state, to see why a run went as it did. */
  trace: Array<Record<string, string | number | null>>
  row: Record<string, string | number | null>
}

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
type Stamped = {s: number; event: Json}

/** Collect a child's JSON lines as they come, each with the seconds since `t0()`. */
function stamped(child: ResultPromise, t0: () => number): Stamped[] {
  const lines: Stamped[] = []
  let partial = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n')
    partial = parts.pop() ?? ''
    for (const line of parts) {
      if (!line.startsWith('{')) continue
      try {
        lines.push({s: (Date.now() - t0()) / 1000, event: JSON.parse(line) as Json})
      } catch {
        // a line that only looks like JSON is not an event: skip it
      }
    }
  })
  return lines
}

function cli(link: NetLink, ns: 'a' | 'b', args: string[], seconds: number): ResultPromise {
  // No Redis inside the namespaces: the stream commands run standalone.
  return link.spawn(ns, process.execPath, [BIN, ...args], {timeoutMs: (seconds + 20) * 1000, env: {IVC_LOG_LEVEL: 'warn', XDG_CONFIG_HOME: BENCH_CONFIG_HOME}})
}

export async function runStreams(link: NetLink, profile: LinkProfile, strategy: string, codecs: Codecs): Promise<RunResult> {
  const seconds = profile.durationS
  let start = Date.now()
  const t0 = () => start
  const videoRx = cli(link, 'b', ['stream-video', '--listen', '--port', '12345', '--sink', 'null', '--codec', codecs.video, '--json', '--duration', String(seconds + 8)], seconds)
  const audioRx = cli(link, 'b', ['stream-audio', '--listen', '--port', '12346', '--sink', 'null', '--codec', codecs.audio, '--json', '--duration', String(seconds + 8)], seconds)
  const rxLines = stamped(videoRx, t0)
  const audioLines = stamped(audioRx, t0)
  await Promise.all([firstLine(videoRx, (line) => line.includes('"listening"'), 15_000), firstLine(audioRx, (line) => line.includes('"listening"'), 15_000)])
  const apply = (rateKbit: number | undefined) => link.shape('a-to-b', {rateKbit})
  await apply(profile.phases[0].rateKbit)
  start = Date.now()
  const audioTx = cli(link, 'a', ['stream-audio', '--to', ADDRESS_B, '--source', 'tone', '--codec', codecs.audio, '--duration', String(seconds), '--json'], seconds)
  const videoTx = cli(link, 'a', ['stream-video', '--to', ADDRESS_B, '--source', 'synthetic', '--size', '640x480', '--fps', '30', '--codec', codecs.video, '--duration', String(seconds), '--adapt', strategy, '--max-latency', String(MAX_LATENCY_MS), '--json'], seconds)
  const txLines = stamped(videoTx, t0)
  // The profile's clock starts with the video sender's first stats line (the stream is up), not its spawn.
  const up = await firstLine(videoTx, (line) => line.includes('"event":"stats"'), 15_000).then(
    () => true,
    () => false,
  )
  if (up) start = Date.now() - 1000
  const lead = (Date.now() - start) / 1000
  await playProfile({...profile, phases: profile.phases.map((phase) => ({...phase, atS: Math.max(0, phase.atS - lead)}))}, apply)
  const [vtx, atx] = await Promise.all([videoTx, audioTx])
  const [vrx, arx] = await Promise.all([endReceiver(videoRx), endReceiver(audioRx)])
  await apply(undefined)
  return summarise(profile, strategy, codecs, {rxLines, txLines, audioLines, audio: lastSummary(arx.stdout), exit: [vtx, vrx, atx, arx].map((result) => result.exitCode ?? result.signal).join('/')})
}

function lastSummary(stdout: unknown): Json | undefined {
  const events = String(stdout ?? '').split('\n').filter((line) => line.startsWith('{')).flatMap((line) => {
    try {
      return [JSON.parse(line) as Json]
    } catch {
      return []
    }
  })
  return events.filter((event) => event.event === undefined).at(-1)
}

function summarise(profile: LinkProfile, strategy: string, codecs: Codecs, run: {rxLines: Stamped[]; txLines: Stamped[]; audioLines: Stamped[]; audio: Json | undefined; exit: string}): RunResult {
  const rxStats = run.rxLines.filter(({event}) => event.event === 'stats')
  const rxSummary = run.rxLines.filter(({event}) => event.event === undefined).at(-1)?.event
  const txStats = run.txLines.filter(({event}) => event.event === 'stats')
  const txSummary = run.txLines.filter(({event}) => event.event === undefined).at(-1)?.event
  // A second with no frame shown counts as over the bound (a freeze is not low latency).
  const perSecond = rxStats.filter(({s}) => s > 0 && s <= profile.durationS + 0.5).map(({s, event}): [number, number] => [Math.round(s * 10) / 10, event.recent?.fps > 0 ? Number(event.recent.latencyMs?.p95) : Number.POSITIVE_INFINITY])
  const after3 = perSecond.filter(([s]) => s > 3).map(([, p95]) => p95)
  const row: RunResult['row'] = {
    profile: profile.name,
    strategy,
    codecs: codecs.name,
    'p50 ms': rxSummary?.latencyMs?.p50 ?? null,
    'p95 ms': rxSummary?.latencyMs?.p95 ?? null,
    'worst 1s p95 after 3s': after3.length > 0 ? Math.max(...after3) : null,
    'back under bound s': backUnder(perSecond, profile),
    'full quality again s': fullAgain(txStats, profile, strategy, codecs),
    freezes: rxSummary?.freezes ?? null,
    fps: rxSummary?.fps ?? null,
    kbps: rxSummary?.kbps ?? null,
    'mean frame KB': txSummary && txSummary.frames > 0 ? Math.round(txSummary.bytes / txSummary.frames / 102.4) / 10 : null,
    'last scale/q/fps': txSummary?.adapt ? `${txSummary.adapt.scale}/${txSummary.adapt.quality}/${txSummary.adapt.fps}` : null,
    'audio underruns': run.audio?.underruns ?? null,
    'audio p95 ms': run.audio?.latencyMs?.p95 ?? null,
    exit: run.exit,
  }
  const trace = rxStats.map(({s, event}) => {
    const tx = txStats.findLast((line) => line.s <= s + 0.5)?.event
    const audio = run.audioLines.findLast((line) => line.s <= s + 0.5 && line.event.role === 'receiver')?.event
    return {s: Math.round(s * 10) / 10, 'rx fps': event.recent?.fps ?? null, 'rx p95': event.recent?.latencyMs?.p95 ?? null, 'rx kbps': event.recent?.kbps ?? null, 'target kbps': tx?.adapt?.targetKbps ?? null, rung: tx?.adapt ? `${tx.adapt.scale}/${tx.adapt.quality}/${tx.adapt.fps}` : null, reason: tx?.adapt?.reason ?? null, 'audio underruns': audio?.underruns ?? null, 'audio p95': audio?.latencyMs?.p95 ?? null}
  })
  return {profile: profile.name, strategy, codecs: codecs.name, timeline: perSecond.map(([s, p95]) => [s, Number.isFinite(p95) ? p95 : 10_000]), trace, row}
}

/** Seconds from the step down until the 1 s latency p95 is under the bound for good (until the step up). */
function backUnder(perSecond: Array<[number, number]>, profile: LinkProfile): number | string | null {
  if (profile.stepDownAtS === undefined) return null
  const low = perSecond.filter(([s]) => s > profile.stepDownAtS! && s <= (profile.stepUpAtS ?? Infinity))
  if (low.length === 0) return null
  if (low.at(-1)![1] >= MAX_LATENCY_MS) return 'never'
  const lastOver = low.findLast(([, p95]) => p95 >= MAX_LATENCY_MS)
  return lastOver ? Math.round((lastOver[0] - profile.stepDownAtS!) * 10) / 10 : 0
}

/**
 * Seconds from the step up until the sender is back at the top encoding (scale 1, quality 80, 30 fps). An H.264 stream
 * keeps its size and has no JPEG quality: for it, the top frame rate at full size.
 */
function fullAgain(txStats: Stamped[], profile: LinkProfile, strategy: string, codecs: Codecs): number | string | null {
  if (profile.stepUpAtS === undefined) return null
  if (strategy === 'off') return 0
  const top = (adapt: Json | undefined) => adapt?.scale === TOP.scale && adapt?.fps === TOP.fps && (codecs.video !== 'jpeg' || adapt?.quality === TOP.quality)
  const full = txStats.find(({s, event}) => s > profile.stepUpAtS! && top(event.adapt))
  return full ? Math.round((full.s - profile.stepUpAtS) * 10) / 10 : 'never'
}
