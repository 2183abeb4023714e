import type {Bus} from '../bus/bus.js'
import {type Clock, keepsProcessAlive, realClock} from '../foundation/clock.js'
import {IvcError, isIvcError} from '../foundation/errors.js'
import type {Logger} from '../foundation/logger.js'
import type {Directory, DirectoryEntry, LiveStatus, Registration} from './types.js'

/** What a presence process reports (NDJSON on stdout with `ivc presence --json`; also on the bus). */
export interface PresenceEvent {
  event: 'online' | 'in-call' | 'offline' | 're-registered' | 'directory-unreachable' | 'directory-reachable'
  name: string
  status: LiveStatus | 'offline'
  address: string
  ports: Record<string, number>
  at: number
  reason?: string
}

export interface PresenceOptions {
  directory: Directory
  registration: Registration
  heartbeatMs: number
  logger: Logger
  /** When given: presence state in the `presence` state hash, `presence.changed` events, liveness, and call.state → in-call. */
  bus?: Bus
  onEvent?: (event: PresenceEvent) => void
  /** Heartbeat timers, and wallMs() for the events' `at`. Default realClock. */
  clock?: Clock
}

export interface PresenceHandle {
  readonly entry: DirectoryEntry
  readonly status: LiveStatus
  /** Announce in-call / online now (`ivc listen` calls this in-process; `ivc presence` follows call.state on the bus). */
  setStatus(status: LiveStatus): Promise<void>
  /** Go offline and stop heartbeating. */
  stop(): Promise<void>
  /** Resolves after stop(); rejects with NAME_TAKEN if another process took the name over. */
  readonly done: Promise<void>
}

/**
 * The presence loop, usable in-process (`ivc listen`) or as its own process (`ivc presence`): register, heartbeat
 * every heartbeatMs, re-register when the entry vanished (a restarted Redis), ride out an unreachable directory with
 * backoff (logged and reported, never a crash), and go offline on stop. Registration errors (NAME_TAKEN, an
 * unreachable directory) are thrown by startPresence itself.
 */
export async function startPresence(options: PresenceOptions): Promise<PresenceHandle> {
  const runner = new PresenceRunner(options)
  await runner.start()
  return runner
}

class PresenceRunner implements PresenceHandle {
  entry!: DirectoryEntry
  #status: LiveStatus
  #timer: unknown
  #beating: Promise<void> | undefined
  #stopped = false
  #lost = false
  #failures = 0
  #unsubscribe: Array<() => Promise<void>> = []
  #resolve!: () => void
  #reject!: (error: Error) => void
  readonly done: Promise<void>

  constructor(private readonly options: PresenceOptions) {
    this.#status = options.registration.status ?? 'online'
    this.done = new Promise((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
    // A caller that only awaits stop() must not see an unhandled rejection.
    this.done.catch(() => {})
  }

  get status(): LiveStatus {
    return this.#status
  }

  async start(): Promise<void> {
    const {bus, directory, registration} = this.options
    if (bus) {
      const call = await bus.getState('call').catch(() => ({}) as Record<string, unknown>)
      if (call.state === 'in-call') this.#status = 'in-call'
    }

    this.entry = await directory.register({...registration, status: this.#status})
    await this.#announce(this.#status)
    if (bus) {
      this.#unsubscribe.push(await bus.subscribe('call', (envelope) => {
        if (envelope.type === 'call.state') void this.setStatus(envelope.body.state === 'in-call' ? 'in-call' : 'online')
      }))
      this.#unsubscribe.push(await bus.serve('presence', () => ({...this.entry, status: this.#status, directory: directory.description})))
      await bus.startLiveness(3000, {name: registration.name})
    }

    this.#schedule(this.options.heartbeatMs)
  }

  async setStatus(status: LiveStatus): Promise<void> {
    if (this.#stopped || status === this.#status) return
    this.#status = status
    this.entry = {...this.entry, status, since: this.#now()}
    this.#clock.clearTimeout(this.#timer)
    await this.#beating
    await this.#announce(status)
    this.#clock.clearTimeout(this.#timer)
    if (!this.#stopped) await this.#beat()
  }

  async stop(): Promise<void> {
    // Stopped already, or failed (its error reaches the caller through `done`, reported once, not again here).
    if (this.#stopped) return this.done.catch(() => undefined)
    this.#stopped = true
    this.#clock.clearTimeout(this.#timer)
    await this.#beating
    await Promise.all(this.#unsubscribe.splice(0).map((unsubscribe) => unsubscribe().catch(() => {})))
    try {
      await this.options.directory.goOffline(this.options.registration.name)
    } catch (error) {
      this.options.logger.warn(`could not mark ${this.options.registration.name} offline (the entry will expire): ${(error as Error).message}`)
    }

    await this.#announce('offline')
    this.#resolve()
    return this.done
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return
    this.#clock.clearTimeout(this.#timer)
    // The heartbeat is this process's work (`ivc presence` may have nothing else to do while the directory is down).
    this.#timer = keepsProcessAlive(this.#clock.setTimeout(() => void this.#beat(), delayMs))
  }

  #beat(): Promise<void> {
    const {directory, registration, heartbeatMs, logger} = this.options
    this.#beating = (async () => {
      let delay = heartbeatMs
      try {
        const result = await directory.heartbeat(registration.name, {status: this.#status})
        if (result === 'taken') throw new IvcError('NAME_TAKEN', `"${registration.name}" was taken over by another presence process`)
        if (result === 'missing') {
          this.entry = await directory.register({...registration, status: this.#status})
          // Nothing for a person to do: the entry is back (a Redis restarted without persistence loses it).
          logger.info(`${registration.name} was gone from the directory (restarted?); registered again`)
          this.#emit('re-registered', this.#status)
        }

        if (this.#lost) {
          logger[this.#outageLevel](`directory reachable again after ${this.#failures} failed heartbeat(s)`)
          this.#emit('directory-reachable', this.#status)
        }

        this.#lost = false
        this.#failures = 0
      } catch (error) {
        if (isIvcError(error) && error.code === 'NAME_TAKEN') {
          this.#fail(error)
          return
        }

        this.#failures++
        if (!this.#lost) {
          logger[this.#outageLevel](`heartbeat failed, retrying with backoff: ${(error as Error).message}`)
          this.#emit('directory-unreachable', this.#status, (error as Error).message)
        } else {
          logger.debug(`heartbeat failed again (${this.#failures}): ${(error as Error).message}`)
        }

        this.#lost = true
        delay = Math.min(heartbeatMs, 100 * 2 ** Math.min(this.#failures, 10))
      }

      this.#schedule(delay)
    })().finally(() => {
      this.#beating = undefined
    })
    return this.#beating
  }

  /** A directory whose connection reports its own outages (Redis) has said it once; the heartbeat's lines are details. */
  get #outageLevel(): 'warn' | 'debug' {
    return this.options.directory.reportsOutages ? 'debug' : 'warn'
  }

  #fail(error: IvcError): void {
    this.#stopped = true
    this.#clock.clearTimeout(this.#timer)
    this.#reject(error)
  }

  /** Tell the local bus and the caller; bus trouble is logged, never fatal (the bus reconnects on its own). */
  async #announce(status: LiveStatus | 'offline'): Promise<void> {
    const event = this.#emit(status, status)
    const bus = this.options.bus
    if (!bus) return
    try {
      await bus.setState({name: event.name, status, address: event.address, ports: event.ports, since: event.at})
      await bus.publish('presence', 'presence.changed', event)
    } catch (error) {
      this.options.logger.warn(`could not publish presence on the bus: ${(error as Error).message}`)
    }
  }

  #emit(kind: PresenceEvent['event'], status: PresenceEvent['status'], reason?: string): PresenceEvent {
    const {name, address, ports} = this.options.registration
    const event: PresenceEvent = {event: kind, name, status, address, ports, at: this.#now(), ...(reason ? {reason} : {})}
    this.options.onEvent?.(event)
    return event
  }

  #now(): number {
    return this.#clock.wallMs()
  }

  get #clock(): Clock {
    return this.options.clock ?? realClock
  }
}
