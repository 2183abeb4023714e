import type {DirectoryChange, DirectoryEntry} from './types.js'

/**
 * What changed between two readings of the directory, as watch() reports it. Pure: the watcher reads, this
 * compares. A name counts as changed when its status, address or ports differ; a name that vanished reads offline.
 * New names that are already offline are not news.
 */
export type Snapshot = Map<string, DirectoryEntry>

export function toSnapshot(entries: DirectoryEntry[]): Snapshot {
  return new Map(entries.map((entry) => [entry.name, entry]))
}

export function diffSnapshots(before: Snapshot, after: Snapshot, at: number): DirectoryChange[] {
  const changes: DirectoryChange[] = []
  for (const [name, entry] of after) {
    const previous = before.get(name)
    if (!previous) {
      if (entry.status !== 'offline') changes.push({name, status: entry.status, previous: null, entry, at})
    } else if (differs(previous, entry)) {
      changes.push({name, status: entry.status, previous: previous.status, entry, at})
    }
  }

  for (const [name, previous] of before) {
    if (!after.has(name) && previous.status !== 'offline') changes.push({name, status: 'offline', previous: previous.status, entry: null, at})
  }

  return changes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

function differs(a: DirectoryEntry, b: DirectoryEntry): boolean {
  return a.status !== b.status || a.address !== b.address || JSON.stringify(a.ports) !== JSON.stringify(b.ports)
}
