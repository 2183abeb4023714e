import type {Clock} from '../foundation/clock.js'
import type {Logger} from '../foundation/logger.js'
import {diffSnapshots, type Snapshot, toSnapshot} from './snapshot-diff.js'
import type {DirectoryChange, DirectoryEntry, DirectoryWatch} from './types.js'

export interface WatcherOptions {
  /** Read the whole directory, every entry (offline ones too), as seen now. */
  load: () => Promise<DirectoryEntry[]>
  /** Its wallMs() stamps each change (as the backends stamp entries). */
  clock: Clock
  /** How often to re-read; expiry of a killed process is only visible by reading. */
  pollMs: number
  logger: Logger
  /** The backend's connection logs its own loss and return (Redis): a failed read is then only debug. */
  failuresReported?: boolean
  /** Bound on undelivered changes; beyond it the oldest are dropped and counted. */
  maxQueued?: number
  onClose?: () => unknown
}

/**
 * The watch() both backends share: a baseline reading, then a re-read every pollMs or as soon as a backend's push
 * signal (Redis pub/sub, a MongoDB change stream) calls trigger(). Each reading is diffed against the last one.
 * Pushes make changes prompt; polling makes expiry visible and makes the watch correct even with no pushes at all.
 */
export class SnapshotWatcher implements DirectoryWatch {
  #snapshot: Snapshot = new Map()
  #queue: DirectoryChange[] = []
  #waiting: Array<(result: IteratorResult<DirectoryChange>) => void> = []
  #timer: unknown
  #reading: Promise<void> | undefined
  #again = false
  #closed = false
  #failing = false
  #dropped = 0

  constructor(private readonly options: WatcherOptions) {}

  get dropped(): number {
    return this.#dropped
  }

  /** Take the baseline; changes are reported relative to it. */
  async start(): Promise<this> {
    this.#snapshot = toSnapshot(await this.options.load())
    this.#schedule()
    return this
  }

  /** Re-read soon (a push said something changed). */
  trigger(): void {
    if (this.#closed) return
    if (this.#reading) {
      this.#again = true
      return
    }

    this.#read()
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.options.clock.clearTimeout(this.#timer)
    for (const resolve of this.#waiting.splice(0)) resolve({done: true, value: undefined})
    await this.#reading
    await this.options.onClose?.()
  }

  [Symbol.asyncIterator](): AsyncIterator<DirectoryChange> {
    return {
      next: () => {
        const value = this.#queue.shift()
        if (value) return Promise.resolve({done: false, value})
        if (this.#closed) return Promise.resolve({done: true, value: undefined})
        return new Promise((resolve) => this.#waiting.push(resolve))
      },
      return: async () => {
        await this.close()
        return {done: true, value: undefined}
      },
    }
  }

  #schedule(): void {
    if (this.#closed) return
    this.options.clock.clearTimeout(this.#timer)
    this.#timer = this.options.clock.setTimeout(() => this.trigger(), this.options.pollMs)
  }

  #read(): void {
    this.options.clock.clearTimeout(this.#timer)
    this.#reading = (async () => {
      try {
        const next = toSnapshot(await this.options.load())
        if (this.#failing) this.options.logger.info('directory readable again; watching')
        this.#failing = false
        for (const change of diffSnapshots(this.#snapshot, next, this.options.clock.wallMs())) this.#push(change)
        this.#snapshot = next
      } catch (error) {
        // A directory that is down mid-watch is retried at the next poll; the watch itself never ends on it.
        if (!this.#failing) this.options.logger[this.options.failuresReported ? 'debug' : 'warn'](`cannot read the directory (will retry): ${(error as Error).message}`)
        this.#failing = true
      }
    })().finally(() => {
      this.#reading = undefined
      if (this.#again && !this.#closed) {
        this.#again = false
        this.#read()
      } else {
        this.#schedule()
      }
    })
  }

  #push(change: DirectoryChange): void {
    const waiter = this.#waiting.shift()
    if (waiter) {
      waiter({done: false, value: change})
      return
    }

    this.#queue.push(change)
    if (this.#queue.length > (this.options.maxQueued ?? 10_000)) {
      this.#queue.shift()
      this.#dropped++
    }
  }
}
