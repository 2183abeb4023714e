import {round1} from '../stats/percentiles.js'

/** The stats object of `ivc stream-video` (issue 5): live NDJSON events carry it with `event: "stats"`; the final summary is exactly this. */
export interface VideoStats {
  role: 'receiver' | 'sender'
  frames: number
  fps: number
  kbps: number
  bytes: number
  latencyMs: {p50: number; p95: number; max: number}
  dropped: number
  freezes: number
  outOfOrder: number
}

export function roundStats(stats: VideoStats): VideoStats {
  return {...stats, fps: round1(stats.fps), kbps: round1(stats.kbps)}
}

/** The once-a-second stderr line. */
export function statsLine(stats: VideoStats, recent: {fps: number; kbps: number}): string {
  const arrow = stats.role === 'sender' ? 'tx' : 'rx'
  return (
    `video ${arrow}: ${recent.fps.toFixed(1)} fps  ${Math.round(recent.kbps)} kbit/s  ` +
    `latency p50 ${stats.latencyMs.p50} ms p95 ${stats.latencyMs.p95} ms  frames ${stats.frames}  dropped ${stats.dropped}  freezes ${stats.freezes}` +
    (stats.outOfOrder > 0 ? `  out-of-order ${stats.outOfOrder}` : '')
  )
}
