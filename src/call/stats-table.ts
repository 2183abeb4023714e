import type {CallStateReply, MediaStats} from '../bus/messages.js'
import {describeStatus} from './control-client.js'

/**
 * `ivc control stats` on a terminal: the call's status, then one row per stream and direction (what each stream
 * component last reported on the bus) in aligned columns. --json prints the reply itself.
 */
export function renderCallStats(reply: CallStateReply): string {
  const rows: string[][] = [['stream', 'frames', 'fps', 'kbit/s', 'latency p50/p95', 'notes']]
  for (const kind of ['video', 'audio'] as const) {
    for (const role of ['sender', 'receiver'] as const) {
      const stats = reply[kind]?.[role]
      // The codec it reports (the one the call agreed on) names the stream: "audio in (opus)", "video in (vp8)".
      const codec = stats?.codec ? ` (${stats.codec})` : ''
      if (stats) rows.push(row(`${kind} ${role === 'sender' ? 'out' : 'in'}${codec}`, stats, kind))
    }
  }

  const table = rows.length > 1 ? alignColumns(rows) : 'no stream has reported statistics yet\n'
  return describeStatus(reply) + '\n' + table
}

function row(label: string, stats: MediaStats, kind: 'video' | 'audio'): string[] {
  const latency = stats.latencyMs as {p50?: number; p95?: number} | null | undefined
  return [
    label,
    number(stats.frames),
    number(stats.fps),
    number(stats.kbps),
    latency?.p50 === undefined ? '-' : `${latency.p50} / ${latency.p95 ?? '-'} ms`,
    notes(stats, kind),
  ]
}

function notes(stats: MediaStats, kind: 'video' | 'audio'): string {
  const parts: string[] = []
  const counters = kind === 'video' ? ['dropped', 'freezes', 'outOfOrder'] : ['underruns', 'concealed', 'lost', 'dropped']
  for (const counter of counters) {
    if (typeof stats[counter] === 'number' && stats[counter] > 0) parts.push(`${counter} ${stats[counter]}`)
  }

  if (typeof stats.targetDelayMs === 'number') parts.push(`buffer ${stats.targetDelayMs} ms`)
  const adapt = stats.adapt as {strategy?: string; targetKbps?: number; scale?: number; quality?: number} | undefined
  if (adapt?.strategy) parts.push(`adapt ${adapt.strategy}: ${adapt.targetKbps} kbit/s, scale ${adapt.scale}, q${adapt.quality}`)
  return parts.join(', ')
}

function number(value: unknown): string {
  return typeof value === 'number' ? oneDecimal(value) : '-'
}

/** A figure as people read it: at most one decimal (29.97 → "30", 12.345 → "12.3"). */
export function oneDecimal(value: number): string {
  return String(Math.round(value * 10) / 10)
}

/** Left-aligned text columns two spaces apart; the last column is not padded. */
export function alignColumns(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((cells) => cells[column]?.length ?? 0)))
  return rows.map((cells) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ').trimEnd()).join('\n') + '\n'
}
