import type {Logger} from '../foundation/logger.js'
import {whenAborted} from '../foundation/abort.js'

function exitWithStatus(): void {
  process.exit(process.exitCode ?? 0)
}

/**
 * Clean shutdown for a command process. Resources register a closer as they are opened; on SIGINT/SIGTERM (or when
 * the command ends) the closers run once, newest first, within a bounded grace period. A second signal, or a grace
 * period that runs out, ends the process at once so Ctrl-C can never hang.
 */
export class Lifecycle {
  readonly #controller = new AbortController()
  readonly #closers: Array<{name: string; close: () => unknown}> = []
  #closing: Promise<void> | undefined
  #signalCount = 0
  readonly #lines = new LineQueue(4096)
  #readingStdin = false
  #onInterrupt: (() => boolean) | undefined
  #onSignal = (signal: NodeJS.Signals) => this.#handleSignal(signal)

  constructor(
    private readonly logger: Logger,
    private readonly graceMs = 5000,
  ) {}

  /** Aborted when a stop signal arrives; long-running work listens to it. */
  get signal(): AbortSignal {
    return this.#controller.signal
  }

  get stopping(): boolean {
    return this.#controller.signal.aborted
  }

  installSignalHandlers(): void {
    process.on('SIGINT', this.#onSignal)
    process.on('SIGTERM', this.#onSignal)
  }

  /**
   * A component started by a supervisor (IVC_SUPERVISED=1) gets a stdin pipe from it. When the supervisor dies, even
   * by SIGKILL, the pipe closes and the component shuts itself down: no orphans. The supervisor may also write lines
   * on it (a call component's start line): they are kept from the first byte, so none is lost before the command asks.
   */
  stopWhenSupervisorGone(env: NodeJS.ProcessEnv = process.env): void {
    if (env.IVC_SUPERVISED !== '1' || process.stdin.isTTY) return
    const stop = () => {
      this.logger.warn('supervisor gone: shutting down')
      this.stop('supervisor gone')
    }

    process.stdin.once('end', stop)
    process.stdin.once('error', stop)
    this.#readSupervisorLines()
    ;(process.stdin as unknown as {unref?: () => void}).unref?.()
  }

  /** The next line the supervisor wrote on stdin; rejects once stdin has ended without one. Bounded: 4 KiB a line. */
  supervisorLine(): Promise<string> {
    this.#readSupervisorLines()
    const stdin = process.stdin as unknown as {ref?: () => void; unref?: () => void}
    // Waiting for a line keeps the process alive; otherwise stdin only tells when the supervisor is gone.
    stdin.ref?.()
    const stopped = new Promise<never>((_, reject) => whenAborted(this.signal, () => reject(new Error('stopped'))))
    const line = this.#lines.next().then((text) => {
      this.logger.debug('start line received from the supervisor')
      return text
    })
    return Promise.race([line, stopped]).finally(() => stdin.unref?.())
  }

  #readSupervisorLines(): void {
    if (this.#readingStdin) return
    this.#readingStdin = true
    process.stdin.on('data', (chunk: Buffer) => this.#lines.push(chunk))
    process.stdin.once('end', () => this.#lines.end())
    process.stdin.resume()
  }

  /**
   * Ctrl-C (SIGINT) asks `handler` first: when it returns true it has dealt with the interrupt (`ivc listen` hung up
   * the call in progress), and the command goes on; false, or SIGTERM, shuts down as usual.
   */
  onInterrupt(handler: () => boolean): void {
    this.#onInterrupt = handler
  }

  /** Register a resource to close on shutdown; returns a function that unregisters it. */
  onShutdown(name: string, close: () => unknown): () => void {
    const entry = {name, close}
    this.#closers.push(entry)
    return () => {
      const index = this.#closers.indexOf(entry)
      if (index !== -1) this.#closers.splice(index, 1)
    }
  }

  /** Resolves when a stop signal arrives (or at once if one already has). */
  untilStopped(): Promise<void> {
    if (this.stopping) return Promise.resolve()
    return new Promise((resolve) => whenAborted(this.signal, resolve))
  }

  /** Ask the command to stop, as a signal would (used by --duration and by components told to quit). */
  stop(reason = 'stop'): void {
    if (!this.stopping) this.#controller.abort(reason)
  }

  /** Run every closer once, newest first; waits at most the grace period. */
  close(): Promise<void> {
    this.#closing ??= this.#runClosers()
    return this.#closing
  }

  /**
   * The command is over and its closers have run, but Node may still need a moment to finish (sockets closing). A
   * signal in that moment would kill the process by its default action, and whoever started it would see a death by
   * signal instead of the command's exit status: from now on a signal just ends the process with that status.
   */
  dispose(): void {
    // A command that failed while it waited for a supervisor line (a call's component whose backend failed before
    // its start line) is over: stdin no longer keeps the process, so its supervisor sees the exit at once.
    if (this.#readingStdin) (process.stdin as unknown as {unref?: () => void}).unref?.()
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.off(signal, this.#onSignal)
      if (!process.listeners(signal).includes(exitWithStatus)) process.on(signal, exitWithStatus)
    }
  }

  async #runClosers(): Promise<void> {
    const closers = this.#closers.splice(0).reverse()
    const all = (async () => {
      for (const {name, close} of closers) {
        try {
          await close()
        } catch (error) {
          this.logger.warn(`closing ${name} failed: ${(error as Error).message}`)
        }
      }
    })()
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<'timeout'>((resolve) => {
      // Real time, not a Clock: the process's own shutdown deadline (a fake clock would never let it exit).
      timer = setTimeout(() => resolve('timeout'), this.graceMs)
      timer.unref()
    })
    const outcome = await Promise.race([all.then(() => 'done' as const), timeout])
    clearTimeout(timer)
    if (outcome === 'timeout') this.logger.warn(`shutdown took longer than ${this.graceMs} ms; giving up on the rest`)
  }

  #handleSignal(signal: NodeJS.Signals): void {
    if (signal === 'SIGINT' && !this.stopping && this.#onInterrupt?.()) return
    this.#signalCount++
    if (this.#signalCount > 1) {
      this.logger.warn(`second ${signal}: exiting now`)
      process.exit(130)
    }

    this.logger.info(`${signal} received: shutting down`)
    this.stop(signal)
    // Commands that never look at the signal still end: close everything and leave within the grace period.
    // Real time, not a Clock: the process's own shutdown deadline (a fake clock would never let it exit).
    const force = setTimeout(() => {
      this.logger.warn('shutdown grace period over: exiting')
      process.exit(process.exitCode ?? 0)
    }, this.graceMs + 1000)
    force.unref()
  }
}

/** Lines from a byte stream, handed out in order; a line longer than the bound is dropped and counted. */
class LineQueue {
  readonly #ready: string[] = []
  readonly #waiters: Array<{resolve: (line: string) => void; reject: (error: Error) => void}> = []
  #partial = ''
  #ended = false
  dropped = 0

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): void {
    const parts = (this.#partial + chunk.toString('utf8')).split('\n')
    this.#partial = parts.pop() ?? ''
    if (this.#partial.length > this.maxBytes) {
      this.#partial = ''
      this.dropped++
    }

    for (const line of parts) {
      if (line.length > this.maxBytes) this.dropped++
      else this.#deliver(line)
    }
  }

  end(): void {
    this.#ended = true
    for (const waiter of this.#waiters.splice(0)) waiter.reject(new Error('stdin ended'))
  }

  next(): Promise<string> {
    const line = this.#ready.shift()
    if (line !== undefined) return Promise.resolve(line)
    if (this.#ended) return Promise.reject(new Error('stdin ended'))
    return new Promise((resolve, reject) => this.#waiters.push({resolve, reject}))
  }

  #deliver(line: string): void {
    const waiter = this.#waiters.shift()
    if (waiter) waiter.resolve(line)
    else this.#ready.push(line)
  }
}
