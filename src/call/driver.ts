import type {Bus} from '../bus/bus.js'
import {IvcError} from '../cli/errors.js'
import type {Logger} from '../cli/logger.js'
import {newCallId} from '../protocol/call/secret.js'
import {signalCodec, type SignalMessage} from '../protocol/call/signalling.js'
import {newKeyShare} from '../security/key-share.js'
import {answerKeys} from './call-keys.js'
import {type FramedListener, listenFramed, type SignalConnection} from './connections.js'
import {type ComponentContext, type MediaPlan, MediaSession, type MediaSummaries} from './media-session.js'
import {FramedConnection} from './signalling.js'
import {initialCallState, reduceCall} from './state-machine.js'
import {Supervisor} from './supervisor.js'
import type {CallEffect, CallEnd, CallEvent, CallState, ConnId, MediaKind} from './types.js'

export const SIGNAL_KEEPALIVE = {intervalMs: 1000, timeoutMs: 5000}

export interface CallDriverOptions {
  bus: Bus
  logger: Logger
  context: ComponentContext
  plan: MediaPlan
  /** Our address as peers reach us (goes into invites). */
  address: string
  answerTimeoutMs?: number
  /** Called for every call event (the same ones published on the bus topic `call`). */
  onEvent: (event: string, body: Record<string, unknown>) => void
  /** Presence status changes (the directory shows in-call). */
  onPresence?: (status: 'online' | 'in-call' | 'offline') => void
}

export interface CallSummary {
  callId: string
  peer: string
  role: string
  durationS: number
  endReason: string
  endCode: string
  video?: Record<string, unknown>
  audio?: Record<string, unknown>
}

/**
 * Runs the call state machine (state-machine.ts) against the real world: signalling sockets, timers, the call's
 * component processes (through MediaSession and the Supervisor), the bus, and the local user's commands. The
 * reducer decides; this class only carries out its effects and turns what happens into events.
 */
export class CallDriver {
  #state: CallState
  readonly #connections = new Map<ConnId, SignalConnection>()
  readonly #timers = new Map<string, NodeJS.Timeout>()
  readonly #supervisor: Supervisor
  #session: MediaSession | undefined
  /** Media summaries of calls whose components have stopped, until their call.ended is emitted. */
  readonly #summaries = new Map<string, MediaSummaries>()
  #accepting: Promise<void> | undefined
  #listener: FramedListener | undefined
  #nextConn = 0
  readonly #endWaiters = new Map<string, (summary: CallSummary) => void>()
  #idle: Array<() => void> = []

  constructor(private readonly options: CallDriverOptions) {
    this.#state = initialCallState({user: options.context.user, ...(options.answerTimeoutMs ? {answerTimeoutMs: options.answerTimeoutMs} : {})})
    this.#supervisor = new Supervisor(options.logger, (exit) => {
      const call = this.#activeCallId()
      if (call) this.dispatch({type: 'component-exited', callId: call, component: exit.name, reason: exit.error ?? exit.signal ?? `exit ${exit.code}`})
    })
  }

  get state(): CallState {
    return this.#state
  }

  /** Listen for calls on `port` (0 = any); returns the bound port. */
  async listen(port: number): Promise<number> {
    this.#listener = await listenFramed<SignalMessage>({
      codec: signalCodec,
      logger: this.options.logger,
      keepalive: SIGNAL_KEEPALIVE,
      port,
      onConnection: (connection) => this.#adopt(connection),
    })
    this.dispatch({type: 'go-online'})
    return this.#listener.port
  }

  /** Go online without a listener (a one-shot `ivc call`). */
  goOnline(): void {
    this.dispatch({type: 'go-online'})
  }

  async subscribeControl(): Promise<void> {
    await this.options.bus.subscribe('control', (envelope) => {
      const callId = envelope.callId
      if (!callId) return
      const body = envelope.body as {kind?: MediaKind; on?: boolean; reason?: string; text?: string}
      if (envelope.type === 'control.peer-media' && body.kind) this.dispatch({type: 'peer-media', callId, kind: body.kind, on: Boolean(body.on)})
      else if (envelope.type === 'control.hangup') this.dispatch({type: 'control-hangup', callId, reason: body.reason ?? 'hung up'})
      else if (envelope.type === 'control.lost') this.dispatch({type: 'control-lost', callId, reason: body.reason ?? 'lost'})
      else if (envelope.type === 'control.chat' && typeof body.text === 'string') {
        const state = this.#state
        if (state.kind === 'in-call' && state.call.callId === callId) this.#emit('call.chat', callId, {peer: state.call.peer, direction: 'in', text: body.text})
      }
    })
  }

  /** Place a call; resolves when it has ended (with its summary). */
  async dial(peer: string, host: string, port: number): Promise<CallSummary> {
    return (await this.placeCall(peer, host, port)).ended
  }

  /** Start a call; returns its id at once and, as `ended`, its summary when it is over. */
  async placeCall(peer: string, host: string, port: number): Promise<{callId: string; ended: Promise<CallSummary>}> {
    const callId = newCallId()
    const session = this.#newSession(callId)
    const media = await session.offer(true)
    const ended = new Promise<CallSummary>((resolve) => this.#endWaiters.set(callId, resolve))
    try {
      this.#command({type: 'dial', callId, peer, host, port, address: this.options.address, conn: this.#connId(), media, keyShare: newKeyShare()})
    } catch (error) {
      // Refused (already in a call, calling yourself): nothing was started.
      this.#endWaiters.delete(callId)
      throw error
    }

    // The call's components start now, while the peer rings (media-session.ts).
    this.#session = session
    session.startCaller(peer, media)
    return {callId, ended}
  }

  /** Accept the ringing call: answer with the ports its components (started as it rang) listen on. */
  accept(): Promise<void> {
    // A second accept (prompt, --auto-accept, `ivc control accept`) while the first is starting media joins it.
    this.#accepting ??= this.#accept().finally(() => (this.#accepting = undefined))
    return this.#accepting
  }

  async #accept(): Promise<void> {
    const state = this.#state
    const session = this.#session
    if (state.kind !== 'incoming' || session?.callId !== state.call.callId) throw new IvcError('NO_CALL', 'no incoming call to accept')
    const {call} = state
    let keys: {secret: string; keyShare: string}
    try {
      keys = answerKeys(call, this.options.context.user)
    } catch (error) {
      this.#command({type: 'reject', reason: 'unusable key share'})
      throw new IvcError('PROTOCOL_ERROR', `the invite from ${call.peer} carries ${(error as Error).message}`)
    }

    session.setupFrom = performance.now()
    const stillRinging = () => this.#state.kind === 'incoming' && this.#state.call.callId === call.callId
    try {
      const {media, controlPort} = await session.listeningOffer()
      // The caller may have given up meanwhile, and another call may be ringing now.
      if (!stillRinging()) throw new IvcError('NO_CALL', `the call from ${call.peer} ended before it could be accepted`)
      this.#command({type: 'accept', ...keys, controlPort, media})
    } catch (error) {
      if (stillRinging()) this.#command({type: 'reject', reason: 'media could not start'})
      throw error
    }
  }

  reject(reason?: string): void {
    this.#command({type: 'reject', reason})
  }

  hangup(reason?: string): void {
    this.#command({type: 'hangup', reason})
  }

  setMedia(kind: MediaKind, on: boolean): void {
    this.#command({type: 'set-media', kind, on})
  }

  /**
   * A text message to the peer of the call in progress, over the call's control connection (the peer's call
   * component shows it as `call.chat`, and so do we). Not call state: the reducer never sees it.
   */
  async chat(text: string): Promise<void> {
    const state = this.#state
    if (state.kind !== 'in-call') throw new IvcError('NO_CALL', 'no call in progress to send a message in')
    const {callId, peer} = state.call
    await this.options.bus.request('control', 'control.send', {message: {type: 'chat', text}}, {callId})
    this.#emit('call.chat', callId, {peer, direction: 'out', text})
  }

  /** End any call, stop listening and every component. */
  async shutdown(reason = 'shutting down'): Promise<void> {
    const settled = this.#state.kind === 'in-call' || this.#state.kind === 'ending' ? new Promise<void>((resolve) => this.#idle.push(resolve)) : Promise.resolve()
    this.dispatch({type: 'shutdown', reason})
    if (this.#state.kind === 'in-call') this.dispatch({type: 'hangup', reason})
    await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, 4000).unref())])
    await this.#supervisor.stopAll()
    await this.#listener?.close()
    for (const connection of this.#connections.values()) connection.destroy(reason)
    for (const timer of this.#timers.values()) clearTimeout(timer)
  }

  dispatch(event: CallEvent): void {
    const step = reduceCall(this.#state, event, Date.now())
    if (step.outcome === 'ignored') this.options.logger.debug(`ignored ${event.type}: ${step.note}`)
    this.#state = step.state
    // Before the effects: whoever hears `call.incoming` may accept at once, and the session must be there.
    this.#followSession()
    for (const effect of step.effects) {
      // One failing effect (a message the codec refuses, a closed socket) must not skip the others.
      try {
        this.#run(effect)
      } catch (error) {
        this.options.logger.warn(`${effect.type} failed: ${(error as Error).message}`)
      }
    }

    if (this.#state.kind === 'listening' || this.#state.kind === 'idle') for (const resolve of this.#idle.splice(0)) resolve()
    if (step.outcome === 'invalid' && step.error) throw new IvcError(step.error.code, step.error.message)
  }

  /**
   * The call's components live as long as its set-up or the call: started as it rings (the caller's by placeCall as
   * it dials), stopped when the state moves on to no call or another one (declined, cancelled, a glare we yield).
   * An agreed call's end stops them through its own effect (stop-media).
   */
  #followSession(): void {
    const state = this.#state
    const live = state.kind === 'calling' || state.kind === 'incoming' || state.kind === 'in-call' || state.kind === 'ending' ? state.call.callId : undefined
    if (this.#session && this.#session.callId !== live) {
      void this.#session.stop()
      this.#session = undefined
    }

    if (state.kind === 'incoming' && !this.#session) {
      this.#session = this.#newSession(state.call.callId)
      this.#session.startCallee(state.call.peer, state.call.offer)
    }
  }

  #newSession(callId: string): MediaSession {
    const session = new MediaSession(callId, this.#supervisor, this.options.plan, this.options.context)
    session.onFirstFrame((kind, setupMs) => {
      const state = this.#state
      if (state.kind !== 'in-call' || state.call.callId !== callId) return
      this.options.logger.info(`first ${kind} frame from ${state.call.peer} ${setupMs} ms after set-up began`)
      this.#emit('call.first-frame', callId, {peer: state.call.peer, kind, setupMs})
    })
    return session
  }

  #command(event: CallEvent): void {
    this.dispatch(event)
  }

  #activeCallId(): string | undefined {
    const state = this.#state
    return state.kind === 'in-call' || state.kind === 'ending' ? state.call.callId : undefined
  }

  #connId(): ConnId {
    return `c${++this.#nextConn}`
  }

  /** A signalling connection (accepted, or dialled by us) under its id: its messages and its end become events. */
  #adopt(connection: SignalConnection, id: ConnId = this.#connId()): ConnId {
    this.#connections.set(id, connection)
    connection.onMessage((message) => {
      this.options.logger.debug(`signal ← ${message.type} on ${id}`)
      this.dispatch({type: 'signal', conn: id, message})
    })
    void connection.closed.then((info) => {
      this.#connections.delete(id)
      this.dispatch({type: 'signal-closed', conn: id, reason: info.reason})
    })
    return id
  }

  #run(effect: CallEffect): void {
    const {logger, bus} = this.options
    switch (effect.type) {
      case 'connect':
        void FramedConnection.connect<SignalMessage>(effect.host, effect.port, {codec: signalCodec, logger, keepalive: SIGNAL_KEEPALIVE}).then(
          (connection) => {
            // The call may have ended (hung up, timed out) while we were connecting: nothing is waiting for this one.
            if (this.#state.kind !== 'calling' || this.#state.call.conn !== effect.conn) {
              connection.destroy('the call is over')
              return
            }

            logger.debug(`signalling connected to ${effect.host}:${effect.port}`)
            this.#adopt(connection, effect.conn)
            this.dispatch({type: 'connected', conn: effect.conn})
          },
          (error: Error) => this.dispatch({type: 'connect-failed', conn: effect.conn, reason: error.message}),
        )
        break
      case 'send':
        logger.debug(`signal → ${effect.message.type} on ${effect.conn}`)
        this.#connections.get(effect.conn)?.send(effect.message)
        break
      case 'close':
        void this.#connections.get(effect.conn)?.close(effect.reason)
        break
      case 'start-media':
        void this.#startMedia()
        break
      case 'stop-media':
        void this.#stopMedia(effect.callId)
        break
      case 'set-local-media':
        void this.#setLocalMedia(effect.callId, effect.kind, effect.on)
        break
      case 'set-presence':
        this.options.onPresence?.(effect.status)
        void bus.publish('call', 'call.state', {state: effect.status === 'in-call' ? 'in-call' : 'listening'}).catch(() => 0)
        break
      case 'start-timer': {
        const key = `${effect.timer}:${effect.callId}`
        clearTimeout(this.#timers.get(key))
        this.#timers.set(key, setTimeout(() => {
          this.#timers.delete(key)
          this.dispatch({type: 'timer', timer: effect.timer, callId: effect.callId})
        }, effect.ms))
        break
      }

      case 'cancel-timer': {
        const key = `${effect.timer}:${effect.callId}`
        clearTimeout(this.#timers.get(key))
        this.#timers.delete(key)
        break
      }

      case 'log':
        logger[effect.level](effect.message)
        break
      case 'emit':
        this.#emit(effect.event, effect.callId, effect.body)
        break
    }
  }

  #emit(event: string, callId: string, body: Record<string, unknown>): void {
    const payload: Record<string, unknown> = {callId, ...body}
    // Glare, and we yielded: whoever waits for our call's end (a delegated `ivc call`) follows the peer's call.
    if (event === 'call.replaced') {
      const waiter = this.#endWaiters.get(callId)
      this.#endWaiters.delete(callId)
      if (waiter) this.#endWaiters.set(String(body.replacedBy), waiter)
    }

    if (event === 'call.ended') {
      const end = body as unknown as CallEnd
      const summary: CallSummary = {
        callId,
        peer: end.peer,
        role: end.role,
        durationS: Math.round(end.durationMs / 100) / 10,
        endReason: end.reason,
        endCode: end.code,
        ...this.#summaries.get(callId),
      }
      this.#summaries.delete(callId)
      Object.assign(payload, {summary})
      this.#endWaiters.get(callId)?.(summary)
      this.#endWaiters.delete(callId)
    }

    this.options.onEvent(event, payload)
    void this.options.bus.publish('call', event, payload, {callId}).catch(() => 0)
  }

  async #startMedia(): Promise<void> {
    const state = this.#state
    const session = this.#session
    if (state.kind !== 'in-call' || session?.callId !== state.call.callId) return
    const {call} = state
    try {
      session.begin(call)
      await session.controlReady()
      const now = this.#state
      if (now.kind !== 'in-call' || now.call.callId !== call.callId) return
      // Toggles made while the call was being set up: the senders started that way; the peer hears of it now.
      for (const kind of ['audio', 'video'] as const) {
        if (!now.call.sending.local[kind]) void this.#setLocalMedia(call.callId, kind, false)
      }

      await session.mediaFlowing()
      if (this.#state.kind !== 'in-call' || this.#state.call.callId !== call.callId) return
      this.#emit('call.media-up', call.callId, {peer: call.peer})
    } catch (error) {
      this.options.logger.warn(`media for call ${call.callId} failed: ${(error as Error).message}`)
      this.dispatch({type: 'component-exited', callId: call.callId, component: 'media', reason: (error as Error).message})
    }
  }

  async #stopMedia(callId: string): Promise<void> {
    const session = this.#session
    this.#session = undefined
    this.#summaries.set(callId, session ? await session.stop() : {})
    this.dispatch({type: 'media-stopped', callId})
    // Ended by the teardown timer before the components stopped: the summary went out without media stats.
    if (this.#state.kind !== 'ending' || this.#state.call.callId !== callId) this.#summaries.delete(callId)
  }

  async #setLocalMedia(callId: string, kind: MediaKind, on: boolean): Promise<void> {
    const state = this.#state
    if (state.kind !== 'in-call' || state.call.callId !== callId) return
    try {
      // Our sender of that medium follows `media.set` on the bus (video off sends nothing, audio off silence).
      await this.options.bus.publish('media', 'media.set', {kind, on}, {callId})
      await this.options.bus.request('control', 'control.send', {message: {type: kind, on}}, {callId})
    } catch (error) {
      this.options.logger.warn(`turning ${kind} ${on ? 'on' : 'off'} failed: ${(error as Error).message}`)
    }
  }
}
