import {type ChildProcess, spawn} from 'node:child_process'
import {createInterface} from 'node:readline'
import {fileURLToPath} from 'node:url'

import {type Clock, realClock} from '../foundation/clock.js'
import type {Logger} from '../foundation/logger.js'
import {type ComponentEvent, parseEventLine} from './component-events.js'
import {encodeStartLine, type StartLine} from './component-start.js'
import {HANDED_PORT_ENV, HANDED_PORT_FD} from '../transport/handed-port.js'

/** The ivc entry point, so a component can start other components as real processes of the same CLI. */
export const IVC_BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

/**
 * How long a component asked to stop (SIGTERM) has before SIGKILL: longer than its own bounded shutdown (Lifecycle
 * gives its closers 5 s and exits at 6 s; a sender's end of stream waits up to 2.5 s for its lanes to close), so a
 * component is killed only when that bound failed. At 3 s, a busy host's senders were killed in their end of stream
 * (the 30-short-calls test, test/call/teardown-cli.test.ts). The call does not wait for it: the reducer's teardown
 * timer (3 s) lets the user take the next call meanwhile.
 */
export const COMPONENT_STOP_GRACE_MS = 8000

export interface ComponentExit {
  name: string
  code: number | null
  signal: NodeJS.Signals | null
  /** true when we asked it to stop; false is a crash or an unexpected end. */
  expected: boolean
  /** Its last error line, when it printed one. */
  error?: string
}

export interface Component {
  name: string
  child: ChildProcess
  /** The JSON lines it printed on stdout, as they come. */
  onEvent(listener: (event: ComponentEvent) => void): void
  /**
   * The first `{"event": name}` it printed, whether before or after this call (a component started early may have
   * reported `listening` long before anyone asks); rejects if the process ends first or after `timeoutMs`.
   */
  firstEvent(name: string, timeoutMs?: number): Promise<ComponentEvent>
  /** Resolves with the first stdout JSON event matching `predicate` from now on, rejects if the process ends first. */
  waitForEvent(predicate: (event: ComponentEvent) => boolean, timeoutMs?: number): Promise<ComponentEvent>
  /** The last JSON object it printed (its summary, for media components). */
  lastEvent(): ComponentEvent | undefined
  /** Give a component started with --await-start its start line; throws if it has already ended. */
  begin(line: StartLine): void
  exited: Promise<ComponentExit>
}

/**
 * Starts ivc components as child processes and guarantees none outlives the call: stop() sends SIGTERM, then SIGKILL
 * after a grace period; each child also stops by itself if this process dies (IVC_SUPERVISED stdin pipe, see
 * Lifecycle.stopWhenSupervisorGone). An unexpected exit is reported through `onCrash`.
 */
export class Supervisor {
  readonly #components = new Set<Component>()
  readonly #stopping = new Set<Component>()
  #rejected = 0

  constructor(
    private readonly logger: Logger,
    private readonly onCrash: (exit: ComponentExit) => void,
    private readonly graceMs = COMPONENT_STOP_GRACE_MS,
    private readonly clock: Clock = realClock,
  ) {}

  /**
   * `endsByItself`: a process expected to finish on its own (e.g. `ivc call --duration`), so exit 0 is no crash.
   * `listenFd`: a listening socket of this process (transport/handed-port.ts) the component serves instead of
   * opening its own port; it has its own copy once this returns, so the caller may release this process's.
   */
  start(name: string, args: string[], options: {env?: NodeJS.ProcessEnv; endsByItself?: boolean; listenFd?: number} = {}): Component {
    this.logger.debug(`starting ${name}: ivc ${args.join(' ')}`)
    const handed = options.listenFd === undefined ? {} : {[HANDED_PORT_ENV]: String(HANDED_PORT_FD)}
    const child = spawn(process.execPath, [IVC_BIN, ...args], {
      env: {...process.env, ...options.env, ...handed, IVC_SUPERVISED: '1'},
      stdio: options.listenFd === undefined ? ['pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe', options.listenFd],
      // A process group of its own: Ctrl-C in the terminal reaches the call component alone, which decides what it
      // means (a hang-up) and stops the components itself. They still end with this process (the stdin pipe).
      detached: true,
    })
    const listeners = new Set<(event: ComponentEvent) => void>()
    let last: ComponentEvent | undefined
    // The first of each named event (a handful of names: listening, ready, first-frame), for firstEvent.
    const firsts = new Map<string, ComponentEvent>()
    createInterface({input: child.stdout!}).on('line', (line) => {
      const parsed = parseEventLine(line)
      if (parsed.kind === 'text') {
        this.logger.debug(`${name}: ${line}`)
        return
      }

      if (parsed.kind === 'rejected') {
        // Counted, and logged at debug: a component that floods its stdout cannot flood the log above it.
        this.#rejected++
        this.logger.debug(`${name}: rejected ${parsed.reason}`)
        return
      }

      const {event} = parsed
      last = event
      if (event.event !== undefined && !firsts.has(event.event) && firsts.size < 16) {
        firsts.set(event.event, event)
        if (event.event !== 'stats') this.logger.debug(`${name}: ${event.event}`)
      }

      for (const listener of listeners) listener(event)
    })
    let lastError = ''
    createInterface({input: child.stderr!}).on('line', (line) => {
      this.logger.debug(`${name}: ${line}`)
      // A component's own one-line error ("ivc: ... [CODE]") says why it failed.
      if (line.startsWith('ivc: ')) lastError = line.slice(5)
    })
    // A failed spawn (EAGAIN, EMFILE) is reported like an exit, never thrown.
    child.on('error', (error) => {
      lastError = error.message
      if (child.exitCode === null && child.signalCode === null) child.emit('exit', null, null)
    })
    const component: Component = {
      name,
      child,
      onEvent: (listener) => listeners.add(listener),
      lastEvent: () => last,
      firstEvent: (eventName, timeoutMs) => {
        const seen = firsts.get(eventName)
        return seen ? Promise.resolve(seen) : component.waitForEvent((event) => event.event === eventName, timeoutMs)
      },
      begin: (line) => {
        if (child.exitCode !== null || child.signalCode !== null || !child.stdin?.writable) throw new Error(`${name} ended before the call was agreed${lastError ? `: ${lastError}` : ''}`)
        child.stdin.write(encodeStartLine(line))
      },
      exited: new Promise((resolve) => {
        child.once('exit', (code, signal) => {
          this.logger.info(`${name} exited (${signal ?? `exit ${code}`})`)
          this.#components.delete(component)
          const exit = {name, code, signal, expected: this.#stopping.has(component) || (options.endsByItself === true && code === 0), error: lastError || undefined}
          this.#stopping.delete(component)
          if (!exit.expected) {
            this.logger.warn(`${name} ended unexpectedly (${signal ?? `exit ${code}`})${lastError ? `: ${lastError}` : ''}`)
            this.onCrash(exit)
          }

          resolve(exit)
        })
      }),
      waitForEvent: (predicate, timeoutMs = 10_000) =>
        new Promise((resolve, reject) => {
          const timer = this.clock.setTimeout(() => reject(new Error(`${name} gave no expected event within ${timeoutMs} ms`)), timeoutMs)
          const listener = (event: ComponentEvent) => {
            if (!predicate(event)) return
            this.clock.clearTimeout(timer)
            listeners.delete(listener)
            resolve(event)
          }

          listeners.add(listener)
          void component.exited.then((exit) => {
            this.clock.clearTimeout(timer)
            reject(new Error(`${name} exited (${exit.signal ?? `code ${exit.code}`}) before it was ready`))
          })
        }),
    }
    child.stdin!.on('error', () => {})
    child.stdout!.on('error', () => {})
    child.stderr!.on('error', () => {})
    this.#components.add(component)
    return component
  }

  /** Stop one component: SIGTERM, then SIGKILL after the grace period. */
  async stop(component: Component): Promise<ComponentExit> {
    if (component.child.exitCode !== null || component.child.signalCode !== null) return component.exited
    this.#stopping.add(component)
    component.child.kill('SIGTERM')
    const timer = this.clock.setTimeout(() => component.child.kill('SIGKILL'), this.graceMs)
    const exit = await component.exited
    this.clock.clearTimeout(timer)
    return exit
  }

  async stopAll(): Promise<ComponentExit[]> {
    return Promise.all([...this.#components].map((component) => this.stop(component)))
  }

  /** Stdout lines of its components that were not valid events (src/call/component-events.ts). */
  get rejected(): number {
    return this.#rejected
  }

  get running(): number {
    return this.#components.size
  }
}
