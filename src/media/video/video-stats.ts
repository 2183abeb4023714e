import type {AdaptState} from '../../adapt/index.js'
import type {Bus} from '../../bus/bus.js'
import type {Logger} from '../../foundation/logger.js'
import {round1} from '../stats/percentiles.js'

/**
 * The stats object of `ivc stream-video` (issue 5): live NDJSON events carry it with `event: "stats"`; the final
 * summary is exactly this. The sender adds `adapt`, the adaptation state (issue 8); the receiver's keys are the
 * issue's, unchanged.
 */
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
  adapt?: AdaptState
}

/** The last second: what the live line shows, and (with --json) each stats event's `recent`. */
export interface RecentVideoStats {
  fps: number
  kbps: number
  /** Latency of the frames of the last second (the receiver's capture → sink), ms. */
  latencyMs?: {p50: number; p95: number}
}

export function roundStats(stats: VideoStats): VideoStats {
  return {...stats, fps: round1(stats.fps), kbps: round1(stats.kbps)}
}

/** The once-a-second stderr line. */
export function statsLine(stats: VideoStats, recent: RecentVideoStats): string {
  const arrow = stats.role === 'sender' ? 'tx' : 'rx'
  return (
    `video ${arrow}: ${recent.fps.toFixed(1)} fps  ${Math.round(recent.kbps)} kbit/s  ` +
    `latency p50 ${stats.latencyMs.p50} ms p95 ${stats.latencyMs.p95} ms  frames ${stats.frames}  dropped ${stats.dropped}  freezes ${stats.freezes}` +
    (stats.outOfOrder > 0 ? `  out-of-order ${stats.outOfOrder}` : '') +
    (stats.adapt ? `  ${adaptLine(stats.adapt)}` : '')
  )
}

/** "adapt gcc: target 1234 kbit/s, scale 0.75 q65 30 fps (increase)". */
export function adaptLine(adapt: AdaptState): string {
  return `adapt ${adapt.strategy}: target ${adapt.targetKbps} kbit/s, scale ${adapt.scale} q${adapt.quality} ${adapt.fps} fps (${adapt.reason})`
}

/** The human summary at the end. */
export function summaryLine(stats: VideoStats): string {
  const {latencyMs: latency} = stats
  return (
    `${stats.role}: ${stats.frames} frames, ${stats.fps} fps, ${stats.kbps} kbit/s, latency p50 ${latency.p50} / p95 ${latency.p95} / max ${latency.max} ms, ` +
    `dropped ${stats.dropped}, freezes ${stats.freezes}, out of order ${stats.outOfOrder}${stats.adapt ? `; ${adaptLine(stats.adapt)}` : ''}\n`
  )
}

/**
 * Publishes a stream's stats on the user's bus (nothing without one), with the codec it is in when known, as audio's
 * stats carry theirs (`ivc control stats`: "video in (vp8)"): state first, then the event, so whoever hears the event
 * can read the same stats from the state hash, one field per role (a user in a call runs a sender and a receiver). A
 * failure is logged at debug: stats are not worth stopping a stream for.
 */
export function videoStatsPublisher(bus: Bus | undefined, callId: string | undefined, logger: Logger): (stats: VideoStats, codec: string | undefined) => Promise<void> {
  return async (stats, codec) => {
    const body = codec ? {...stats, codec} : stats
    try {
      await bus?.setState({[stats.role]: body, callId: callId ?? null})
      await bus?.publish('video-stats', 'video.stats', body, {callId})
    } catch (error) {
      logger.debug(`publishing stats: ${(error as Error).message}`)
    }
  }
}
