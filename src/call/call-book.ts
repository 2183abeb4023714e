import type {CallSummary} from '../bus/messages.js'
import type {MediaSummaries} from './media-session.js'
import type {CallEnd, CallState, ConnId, IncomingCall} from './types.js'

/** What `ivc call` prints and `call.ended` carries when a call is over: declared with the bus messages. */
export type {CallSummary} from '../bus/messages.js'

/**
 * The call driver's bookkeeping beside the reducer's state. The reducer names things by id (connection `c3`, the
 * `answer` timer of a call); this book holds what those ids stand for in the running process, and who waits for
 * what. It decides nothing about a call (the reducer does) and touches no socket, timer or process (the driver does):
 *
 * - links: the signalling connections, by the ids handed out here (c1, c2, ...).
 * - timers: the running timer of each name and call; starting it again replaces it.
 * - session: the components of the one call being set up or in progress.
 * - summaries: the media summaries of a call whose components stopped, until its `call.ended` goes out.
 * - end waiters: who waits for a call's summary, following the call a glare replaced it with.
 * - idle waiters: who waits for no call to be in progress (shutdown).
 * - accepting: the local accept in progress, which a second accept joins.
 */
export class CallBook<Link, Session extends {callId: string}> {
  session: Session | undefined
  readonly #links = new Map<ConnId, Link>()
  #lastConn = 0
  readonly #timers = new Map<string, unknown>()
  readonly #summaries = new Map<string, MediaSummaries>()
  readonly #endWaiters = new Map<string, (summary: CallSummary) => void>()
  #idleWaiters: Array<() => void> = []
  #accepting: Promise<void> | undefined

  newConnId(): ConnId {
    return `c${++this.#lastConn}`
  }

  addLink(id: ConnId, link: Link): void {
    this.#links.set(id, link)
  }

  link(id: ConnId): Link | undefined {
    return this.#links.get(id)
  }

  removeLink(id: ConnId): void {
    this.#links.delete(id)
  }

  /** Every link, forgotten (to close them all). */
  takeLinks(): Link[] {
    const links = [...this.#links.values()]
    this.#links.clear()
    return links
  }

  /** Note the running `timer` of `callId`; returns the handle it replaces (to be cleared), if one was running. */
  setTimer(timer: string, callId: string, handle: unknown): unknown {
    const key = `${timer}:${callId}`
    const replaced = this.#timers.get(key)
    this.#timers.set(key, handle)
    return replaced
  }

  /** The handle of `timer` of `callId` (to clear it, or because it fired), forgotten. */
  takeTimer(timer: string, callId: string): unknown {
    const key = `${timer}:${callId}`
    const handle = this.#timers.get(key)
    this.#timers.delete(key)
    return handle
  }

  /** Every running timer's handle, forgotten (to clear them all). */
  takeTimers(): unknown[] {
    const handles = [...this.#timers.values()]
    this.#timers.clear()
    return handles
  }

  /**
   * What the state asks of the session after a step: the session of a call the state has moved on from (declined,
   * cancelled, a glare we yielded, ended) is to be stopped and is forgotten here; a call that rings with no session
   * yet needs the callee's components (`ring`). An agreed call that ends also stops its session through its own effect.
   */
  followState(state: CallState): {stop?: Session; ring?: IncomingCall} {
    const live = state.kind === 'calling' || state.kind === 'incoming' || state.kind === 'in-call' || state.kind === 'ending' ? state.call.callId : undefined
    const stop = this.session !== undefined && this.session.callId !== live ? this.session : undefined
    if (stop) this.session = undefined
    return {...(stop ? {stop} : {}), ...(state.kind === 'incoming' && !this.session ? {ring: state.call} : {})}
  }

  /** The session, forgotten (its components are being stopped). */
  takeSession(): Session | undefined {
    const session = this.session
    this.session = undefined
    return session
  }

  /** Keep what a call's components reported last, for its summary. */
  keepSummaries(callId: string, summaries: MediaSummaries): void {
    this.#summaries.set(callId, summaries)
  }

  /** The call ended without them (the teardown timer beat the components): nothing will read them. */
  dropSummaries(callId: string): void {
    this.#summaries.delete(callId)
  }

  /** Resolves with the summary of `callId`, or of the call that replaces it in a glare, when it has ended. */
  waitForEnd(callId: string): Promise<CallSummary> {
    return new Promise((resolve) => this.#endWaiters.set(callId, resolve))
  }

  /** The call was never placed: nobody waits for its end. */
  stopWaiting(callId: string): void {
    this.#endWaiters.delete(callId)
  }

  /** Glare, and we yielded: whoever waits for our call's end (a delegated `ivc call`) follows the peer's call. */
  replaced(callId: string, by: string): void {
    const waiter = this.#endWaiters.get(callId)
    this.#endWaiters.delete(callId)
    if (waiter) this.#endWaiters.set(by, waiter)
  }

  /** The call is over: its summary (with the media summaries kept for it), handed to whoever waits for it. */
  ended(callId: string, end: CallEnd, recordedBy?: string): CallSummary {
    const summary: CallSummary = {
      callId,
      peer: end.peer,
      role: end.role,
      durationS: Math.round(end.durationMs / 100) / 10,
      endReason: end.reason,
      endCode: end.code,
      ...this.#summaries.get(callId),
    }
    if (recordedBy !== undefined) summary.recording = {by: recordedBy, ...summary.recording}
    this.#summaries.delete(callId)
    this.#endWaiters.get(callId)?.(summary)
    this.#endWaiters.delete(callId)
    return summary
  }

  /** Resolves once a step leaves no call in progress (see `settle`). */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  /** After each step: with no call in progress (listening, or offline), whoever waits for that is told. */
  settle(state: CallState): void {
    if (state.kind === 'listening' || state.kind === 'idle') for (const resolve of this.#idleWaiters.splice(0)) resolve()
  }

  /** Run `accept` unless an accept is already in progress, in which case join that one. */
  accepting(accept: () => Promise<void>): Promise<void> {
    this.#accepting ??= accept().finally(() => (this.#accepting = undefined))
    return this.#accepting
  }
}
