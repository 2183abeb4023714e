import {fingerprint} from '../security/identity.js'
import type {DirectoryChange, DirectoryEntry} from './types.js'

/** Human renderings of directory entries for `ivc presence list/show` (the JSON forms are the entries themselves). */
export function renderTable(entries: DirectoryEntry[], now: number): string {
  if (entries.length === 0) return 'nobody is online\n'
  const rows = [['NAME', 'STATUS', 'ADDRESS', 'PORTS', 'SEEN', 'VERSION']]
  for (const entry of entries) rows.push([entry.name, entry.status, entry.address, renderPorts(entry.ports), ago(entry.lastSeen, now), entry.version])
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)))
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()).join('\n') + '\n'
}

export function renderEntry(entry: DirectoryEntry, now: number): string {
  const lines: Array<[string, string]> = [
    ['name', entry.name],
    ['status', `${entry.status} since ${new Date(entry.since).toISOString()}`],
    ['address', entry.address],
    ['ports', renderPorts(entry.ports)],
    ['last seen', `${ago(entry.lastSeen, now)} (${new Date(entry.lastSeen).toISOString()})`],
    ['version', entry.version],
    ['identity', `${fingerprint(entry.publicKey)} (signed ${new Date(entry.signedAt).toISOString()})`],
  ]
  return lines.map(([label, value]) => `${(label + ':').padEnd(12)}${value}`).join('\n') + '\n'
}

/** One NDJSON line per change for `ivc presence watch`. */
export function changeRecord(change: DirectoryChange): Record<string, unknown> {
  return {event: change.status, name: change.name, previous: change.previous, at: change.at, address: change.entry?.address ?? null, ports: change.entry?.ports ?? null}
}

function renderPorts(ports: Record<string, number>): string {
  const parts = Object.entries(ports).map(([purpose, port]) => `${purpose}:${port}`)
  return parts.length > 0 ? parts.join(',') : '-'
}

function ago(at: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000))
  if (seconds < 60) return `${seconds}s ago`
  if (seconds < 3600) return `${Math.round(seconds / 60)}m ago`
  return `${Math.round(seconds / 3600)}h ago`
}
