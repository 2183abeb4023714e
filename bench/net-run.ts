// One bench:net run: an audio and a video stream from namespace a to namespace b through the shaped link, with the
// given adaptation strategy, while the link plays its profile. Reads the receivers' NDJSON stats and summaries.
import {fileURLToPath} from 'node:url'

import type {ResultPromise} from 'execa'

import {ADDRESS_B, firstLine, type NetLink} from '../test/support/netns.js'
import {type LinkProfile, MAX_LATENCY_MS, playProfile} from './net-profiles.js'

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))

export interface RunResult {
  profile: string
  strategy: string
  /** Per second of the receiver's stats: [seconds since start, latency p95 ms]. */
  timeline: Array<[number, number]>
  row: Record<string, string | number | null>
}

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

function ndjson(stdout: unknown): Json[] {
  return String(stdout ?? '')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Json]
      } catch {
        return []
      }
    })
}

function cli(link: NetLink, ns: 'a' | 'b', args: string[], seconds: number): ResultPromise {
  // No Redis inside the namespaces: the stream commands run standalone.
  return link.spawn(ns, process.execPath, [BIN, ...args], {timeoutMs: (seconds + 20) * 1000, env: {IVC_LOG_LEVEL: 'warn', XDG_CONFIG_HOME: '/nonexistent-ivc-bench-config'}})
}

export async function runStreams(link: NetLink, profile: LinkProfile, strategy: string): Promise<RunResult> {
  const seconds = profile.durationS
  const videoRx = cli(link, 'b', ['stream-video', '--listen', '--port', '12345', '--sink', 'null', '--json', '--duration', String(seconds + 6)], seconds)
  const audioRx = cli(link, 'b', ['stream-audio', '--listen', '--port', '12346', '--sink', 'null', '--json', '--duration', String(seconds + 6)], seconds)
  await Promise.all([firstLine(videoRx, (line) => line.includes('"listening"'), 15_000), firstLine(audioRx, (line) => line.includes('"listening"'), 15_000)])
  const apply = (rateKbit: number | undefined) => link.shape('a-to-b', {rateKbit})
  const audioTx = cli(link, 'a', ['stream-audio', '--to', ADDRESS_B, '--source', 'tone', '--duration', String(seconds), '--json'], seconds)
  const videoTx = cli(link, 'a', ['stream-video', '--to', ADDRESS_B, '--source', 'synthetic', '--size', '640x480', '--fps', '30', '--duration', String(seconds), '--adapt', strategy, '--max-latency', String(MAX_LATENCY_MS), '--json'], seconds)
  await playProfile(profile, apply)
  const [vtx, atx] = await Promise.all([videoTx, audioTx])
  videoRx.kill('SIGINT')
  audioRx.kill('SIGINT')
  const [vrx, arx] = await Promise.all([videoRx, audioRx])
  await apply(undefined)

  const rxEvents = ndjson(vrx.stdout)
  const stats = rxEvents.filter((event) => event.event === 'stats')
  const summary = rxEvents.filter((event) => event.event === undefined).at(-1)
  const sender = ndjson(vtx.stdout).filter((event) => event.event === undefined || event.event === 'stats')
  const adapt = sender.at(-1)?.adapt as Json | undefined
  const audio = ndjson(arx.stdout).filter((event) => event.event === undefined).at(-1)
  const timeline = stats.map((event, index): [number, number] => [index + 1, Number(event.latencyMs?.p95 ?? Number.NaN)])
  const after3 = timeline.filter(([second]) => second > 3).map(([, p95]) => p95)
  const backUnder = profile.stepDownAtS === undefined ? null : timeline.find(([second, p95]) => second > profile.stepDownAtS! && p95 < MAX_LATENCY_MS)
  const fullAgain = profile.stepUpAtS === undefined ? null : null // needs the sender's per-second adapt state (see the wiring plan)
  return {
    profile: profile.name,
    strategy,
    timeline,
    row: {
      profile: profile.name,
      strategy,
      'p50 ms': summary?.latencyMs?.p50 ?? null,
      'p95 ms': summary?.latencyMs?.p95 ?? null,
      'worst 1s p95 after 3s': after3.length > 0 ? Math.max(...after3) : null,
      'back under bound s': backUnder ? backUnder[0] - profile.stepDownAtS! : profile.stepDownAtS === undefined ? null : 'never',
      'full again s': fullAgain,
      freezes: summary?.freezes ?? null,
      fps: summary?.fps ?? null,
      kbps: summary?.kbps ?? null,
      'last scale/q/fps': adapt ? `${adapt.scale}/${adapt.quality}/${adapt.fps}` : null,
      'audio underruns': audio?.underruns ?? null,
      exit: `${vtx.exitCode}/${vrx.exitCode}/${atx.exitCode}/${arx.exitCode}`,
    },
  }
}
