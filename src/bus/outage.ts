import type {Clock} from '../foundation/clock.js'

/** A line to log: warn for a person to see, debug for the details of a retry. */
export interface OutageLine {
  level: 'warn' | 'debug'
  message: string
}

/**
 * The outages of one Redis server as one process sees them, over all its connections to it (the bus, its subscriber,
 * the directory). A Redis that goes away is one event for a person, whatever the number of connections and retries:
 * one line when the first connection is lost, one when the last is back, and each retry's backoff only in debug.
 * Fed with what the connections report; returns what to log (undefined: nothing).
 */
export class RedisOutage {
  readonly #down = new Set<string>()
  #since: number | undefined

  constructor(
    /** Where the Redis is, for the lines (e.g. "127.0.0.1:6379"). */
    readonly where: string,
    private readonly clock: Clock,
  ) {}

  get isDown(): boolean {
    return this.#down.size > 0
  }

  /** `connection` lost its connection (and will retry). */
  lost(connection: string, reason?: string): OutageLine | undefined {
    const first = this.#down.size === 0
    this.#down.add(connection)
    if (!first) return undefined
    this.#since = this.clock.now()
    return {level: 'warn', message: `lost the connection to Redis at ${this.where}${reason ? ` (${reason})` : ''}; retrying, and bus and directory requests fail until it is back`}
  }

  /** `connection` tries again in `delayMs` (its attempt number `attempt`). */
  retrying(connection: string, delayMs: number, attempt: number): OutageLine {
    return {level: 'debug', message: `redis ${this.where} (${connection}): reconnecting in ${delayMs} ms (attempt ${attempt})`}
  }

  /** `connection` is connected again. */
  back(connection: string): OutageLine | undefined {
    if (!this.#down.delete(connection) || this.#down.size > 0) return undefined
    const seconds = ((this.clock.now() - this.#since!) / 1000).toFixed(1)
    this.#since = undefined
    return {level: 'warn', message: `Redis at ${this.where} is back after ${seconds} s`}
  }

  /** `connection` was closed on purpose: it no longer counts, and its closing is no news. */
  forget(connection: string): void {
    this.#down.delete(connection)
    if (this.#down.size === 0) this.#since = undefined
  }
}
