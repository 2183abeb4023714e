import type {Bus} from '../bus/bus.js'
import type {TopicBody, TopicType} from '../bus/messages.js'
import {isIvcError, IvcError} from '../foundation/errors.js'
import type {Logger} from '../foundation/logger.js'
import {callFormats} from '../protocol/call/formats.js'
import {newCallId} from '../protocol/call/secret.js'
import {fingerprint, type Identity} from '../security/identity.js'
import {newKeyShare} from '../security/key-share.js'
import type {PeerTrust} from '../security/known-peers.js'
import {safetyNumber} from '../security/safety-number.js'
import {CallBook, type CallSummary} from './call-book.js'
import {judgeInvite, signAccept, signInvite} from './call-identity.js'
import {answerKeys} from './call-keys.js'
import {CallRecordings, type RecordableCall} from './call-recordings.js'
import {receivedInvite, sentInvite} from './setup-states.js'
import type {Clock} from '../foundation/clock.js'
import {finishRecordings} from './recording.js'
import type {CallMedia, CallMediaSession} from './component-media.js'
import type {SignalLink, SignalNetwork} from './connections.js'
import {initialCallState, reduceCall} from './state-machine.js'
import type {CallEffect, CallEnd, CallEvent, CallState, ConnId, MediaKind} from './types.js'

export type {CallSummary} from './call-book.js'

/** The bus as the driver uses it: call events out, requests to the call's control component, control events in. */
export type CallBus = Pick<Bus, 'publish' | 'request' | 'subscribe'>

/** Everything the driver touches comes through here, so a test can run two drivers in one process on a fake clock. */
export interface CallDriverOptions {
  /** The local user: invites must be addressed to it, and it breaks glare ties. */
  user: string
  logger: Logger
  /** Our address as peers reach us (goes into invites). */
  address: string
  /** The local user's identity: signs our invites and accepts. */
  identity: Identity
  /** The peers' pinned identity keys: an invite or a callee whose key is not the pinned one is refused. */
  trust: PeerTrust
  answerTimeoutMs?: number
  /** A peer silent this long is gone (the network and the control component enforce it; here it goes into `call.stalled`). */
  stallTimeoutMs?: number
  /** Signalling connections (production: tcpSignalling, given the same stall timeout). */
  network: SignalNetwork
  /** The call's components (production: componentMedia, each a child process). */
  media: CallMedia
  bus: CallBus
  /** The time of the records the reducer keeps (call start and end), and the call's timers (production: realClock). */
  clock: Clock
  /** Called for every call event (the same ones published on the bus topic `call`). */
  onEvent: (event: string, body: Record<string, unknown>) => void
  /** Presence status changes (the directory shows in-call). */
  onPresence?: (status: 'online' | 'in-call' | 'offline') => void
}

/** Shutdown waits this long for the call in progress to end before it stops the components anyway. */
const SHUTDOWN_GRACE_MS = 4000

/**
 * Runs the call state machine (state-machine.ts) against the world: signalling connections, timers, the call's
 * components, the bus, and the local user's commands. The reducer decides; this class only carries out its effects
 * and turns what happens into events. What it holds beside the reducer's state is in its CallBook.
 */
export class CallDriver {
  #state: CallState
  readonly #book = new CallBook<SignalLink, CallMediaSession>()
  /** The signed-at time of the directory entry each peer was last called at, pinned with its key once the call is up. */
  readonly #entrySignedAt = new Map<string, number>()
  #listener: {port: number; close(): Promise<void>} | undefined
  readonly #recordings: CallRecordings
  /** The call whose control component is up: a toggle before then is told to the peer when it is (#startMedia). */
  #controlUp: string | undefined

  constructor(private readonly options: CallDriverOptions) {
    this.#state = initialCallState({
      user: options.user,
      ...(options.answerTimeoutMs ? {answerTimeoutMs: options.answerTimeoutMs} : {}),
      ...(options.stallTimeoutMs ? {stallTimeoutMs: options.stallTimeoutMs} : {}),
    })
    this.#recordings = new CallRecordings({user: options.user, bus: options.bus, logger: options.logger, emit: (event, callId, body) => this.#emit(event, callId, body)})
    options.media.onComponentExit((component, reason, side) => {
      const state = this.#state
      if (state.kind === 'in-call' || state.kind === 'ending') this.dispatch({type: 'component-exited', callId: state.call.callId, component, reason, side})
    })
  }

  get state(): CallState {
    return this.#state
  }

  /** Listen for calls on `port` (0 = any); returns the bound port. */
  async listen(port: number): Promise<number> {
    this.#listener = await this.options.network.listen(port, (link) => this.#adopt(link))
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
      if (envelope.type === 'control.peer-media') {
        this.dispatch({type: 'peer-media', callId, kind: envelope.body.kind, on: envelope.body.on})
        const session = this.#book.session
        if (session?.callId === callId) session.peerSends(envelope.body.kind, envelope.body.on)
      } else if (envelope.type === 'control.hangup') this.dispatch({type: 'control-hangup', callId, reason: envelope.body.reason})
      else if (envelope.type === 'control.lost') this.dispatch({type: 'control-lost', callId, reason: envelope.body.reason})
      else if (envelope.type === 'control.stalled') this.dispatch({type: 'control-liveness', callId, stalled: true, silentMs: envelope.body.silentMs})
      else if (envelope.type === 'control.resumed') this.dispatch({type: 'control-liveness', callId, stalled: false, silentMs: envelope.body.silentMs})
      else if (envelope.type === 'control.chat') {
        const state = this.#state
        if (state.kind === 'in-call' && state.call.callId === callId) this.#emit('call.chat', callId, {peer: state.call.peer, direction: 'in', text: envelope.body.text})
      } else if (envelope.type === 'control.recording') {
        const state = this.#state
        if (state.kind === 'in-call' && state.call.callId === callId) this.#recordings.peerRecording(callId, state.call.peer, envelope.body.on)
      }
    })
  }

  /**
   * Start a call to `peer` at host:port, whose directory entry (signed at `entrySignedAt`) names `peerKey`: the callee
   * must sign its accept with that key. Throws IDENTITY_CHANGED (or AUTH_FAILED) at once when the key is not the one
   * pinned for the peer. Returns the call's id and, as `ended`, its summary when it is over. `record`: a file to record
   * the call into from its start (`ivc call --record`; startRecording).
   */
  async placeCall(peer: string, host: string, port: number, peerKey: string, entrySignedAt?: number, record?: string): Promise<{callId: string; ended: Promise<CallSummary>}> {
    this.options.trust.check(peer, peerKey, entrySignedAt)
    const callId = newCallId()
    const session = this.#newSession(callId)
    const media = await session.offer(true)
    const ended = this.#book.waitForEnd(callId)
    const {address, identity} = this.options
    const keyShare = newKeyShare()
    if (entrySignedAt !== undefined) this.#entrySignedAt.set(peer, entrySignedAt)
    try {
      // The invite is signed once connected: its signature covers the connection's channel (call-identity.ts).
      this.dispatch({type: 'dial', callId, peer, host, port, address, conn: this.#book.newConnId(), media, keyShare, identityKey: identity.publicKey, peerKey})
    } catch (error) {
      // Refused (already in a call, calling yourself): no component was started; the ports opened for the offer close.
      this.#book.stopWaiting(callId)
      await session.stop()
      throw error
    }

    // The call's components start now, while the peer rings (media-session.ts).
    if (record !== undefined) this.#recordings.recordFromStart(callId, record)
    this.#book.session = session
    session.startCaller(peer, media)
    return {callId, ended}
  }

  /** Accept the ringing call: answer with the ports its components (started as it rang) listen on. */
  accept(): Promise<void> {
    // A second accept (prompt, --auto-accept, `ivc control accept`) while the first is starting media joins it.
    return this.#book.accepting(() => this.#accept())
  }

  async #accept(): Promise<void> {
    const state = this.#state
    const session = this.#book.session
    if (state.kind !== 'incoming' || session?.callId !== state.call.callId) throw new IvcError('NO_CALL', 'no incoming call to accept')
    const {call} = state
    let keys: {secret: string; keyShare: string}
    try {
      keys = answerKeys(call, this.options.user)
    } catch (error) {
      this.dispatch({type: 'reject', reason: 'unusable key share'})
      throw new IvcError('PROTOCOL_ERROR', `the invite from ${call.peer} carries ${(error as Error).message}`)
    }

    const stillRinging = () => this.#state.kind === 'incoming' && this.#state.call.callId === call.callId
    try {
      const {media, controlPort} = await session.accepted()
      // The caller may have given up meanwhile, and another call may be ringing now.
      if (!stillRinging()) throw new IvcError('NO_CALL', `the call from ${call.peer} ended before it could be accepted`)
      const signed = signAccept(this.options.identity, receivedInvite(call, this.options.user), {callId: call.callId, keyShare: keys.keyShare, controlPort, media})
      this.dispatch({type: 'accept', ...keys, controlPort, media, ...signed})
    } catch (error) {
      if (stillRinging()) this.dispatch({type: 'reject', reason: 'media could not start'})
      throw error
    }
  }

  reject(reason?: string): void {
    this.dispatch({type: 'reject', reason})
  }

  hangup(reason?: string): void {
    this.dispatch({type: 'hangup', reason})
  }

  setMedia(kind: MediaKind, on: boolean): void {
    this.dispatch({type: 'set-media', kind, on})
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

  /**
   * Record the call in progress from now on into `file` (`ivc control record start`): NO_CALL without one,
   * RECORD_FAILED when it is already recorded or `file` cannot be written. The peer is told, and so is our bus.
   */
  startRecording(file: string): Promise<string> {
    return this.#recordings.start(this.#recordableCall(), file)
  }

  /** Stop the recording of the call in progress (`ivc control record stop`): its file is finished; the peer is told. */
  stopRecording(): Promise<{file: string; durationMs?: number; streams?: string[]}> {
    return this.#recordings.stop(this.#recordableCall())
  }

  #recordableCall(): RecordableCall {
    const state = this.#state
    const session = this.#book.session
    if (state.kind !== 'in-call' || session?.callId !== state.call.callId) throw new IvcError('NO_CALL', 'no call in progress to record')
    return {callId: state.call.callId, peer: state.call.peer, session}
  }

  /** End any call, stop listening and every component. */
  async shutdown(reason = 'shutting down'): Promise<void> {
    const {clock} = this.options
    const settled = this.#state.kind === 'in-call' || this.#state.kind === 'ending' ? this.#book.whenIdle() : Promise.resolve()
    this.dispatch({type: 'shutdown', reason})
    let grace: unknown
    await Promise.race([settled, new Promise<void>((resolve) => (grace = clock.setTimeout(() => resolve(), SHUTDOWN_GRACE_MS)))])
    clock.clearTimeout(grace)
    await this.options.media.stopAll()
    // A file is whole only with its trailer: the process waits for it, even when the teardown gave up waiting.
    await finishRecordings()
    await this.#listener?.close()
    for (const link of this.#book.takeLinks()) link.destroy(reason)
    for (const timer of this.#book.takeTimers()) clock.clearTimeout(timer)
  }

  dispatch(event: CallEvent): void {
    // Whole milliseconds: the records (a call's startedAt, endedAt, durationMs) go out on the bus and in summaries.
    const step = reduceCall(this.#state, event, Math.floor(this.options.clock.now()))
    if (step.outcome === 'ignored') this.options.logger.debug(`ignored ${event.type}: ${step.note}`)
    this.#state = step.state
    // Before the effects: whoever hears `call.incoming` may accept at once, and the session must be there.
    const {stop, ring} = this.#book.followState(this.#state)
    if (stop) void stop.stop()
    if (ring) {
      this.#book.session = this.#newSession(ring.callId)
      this.#book.session.startCallee(ring.peer, ring.offer)
    }

    for (const effect of step.effects) {
      // One failing effect (a message the codec refuses, a closed socket) must not skip the others.
      try {
        this.#run(effect)
      } catch (error) {
        this.options.logger.warn(`${effect.type} failed: ${(error as Error).message}`)
      }
    }

    this.#book.settle(this.#state)
    if (step.outcome === 'invalid' && step.error) throw new IvcError(step.error.code, step.error.message)
  }

  #newSession(callId: string): CallMediaSession {
    const session = this.options.media.session(callId)
    session.onFirstFrame((kind, setupMs) => {
      const state = this.#state
      if (state.kind !== 'in-call' || state.call.callId !== callId) return
      this.options.logger.info(`first ${kind} frame from ${state.call.peer} ${setupMs} ms after set-up began`)
      this.#emit('call.first-frame', callId, {peer: state.call.peer, kind, setupMs})
    })
    return session
  }

  /** A signalling connection (accepted, or dialled by us) under its id: its messages and its end become events. */
  #adopt(link: SignalLink, id: ConnId = this.#book.newConnId()): void {
    this.#book.addLink(id, link)
    link.onMessage((message) => {
      this.options.logger.debug(`signal ← ${message.type} on ${id}`)
      // Who sent an invite is judged here, where the pinned keys are; the reducer acts on the verdict.
      this.dispatch(message.type === 'invite' ? {type: 'signal', conn: id, message, identity: judgeInvite(message, link.channel, this.options.trust)} : {type: 'signal', conn: id, message})
    })
    link.onLiveness?.((change) => this.dispatch({type: 'signal-liveness', conn: id, stalled: change.kind === 'stalled', silentMs: Math.round(change.silentMs)}))
    void link.closed.then((info) => {
      this.#book.removeLink(id)
      this.dispatch({type: 'signal-closed', conn: id, reason: info.reason})
    })
  }

  #run(effect: CallEffect): void {
    const {logger, bus, clock} = this.options
    switch (effect.type) {
      case 'connect':
        void this.options.network.connect(effect.host, effect.port, effect.peerKey).then(
          (link) => {
            // The call may have ended (hung up, timed out) while we were connecting: nothing is waiting for this one.
            const state = this.#state
            if (state.kind !== 'calling' || state.call.conn !== effect.conn) {
              link.destroy('the call is over')
              return
            }

            this.options.logger.debug(`signalling connected to ${effect.host}:${effect.port}`)
            const {signature} = signInvite(this.options.identity, {...sentInvite(state.call, this.options.user), channel: link.channel})
            this.#adopt(link, effect.conn)
            this.dispatch({type: 'connected', conn: effect.conn, channel: link.channel, signature})
          },
          (error: Error) => this.dispatch({type: 'connect-failed', conn: effect.conn, reason: error.message, ...(isIvcError(error) && error.code === 'AUTH_FAILED' ? {auth: true} : {})}),
        )
        break
      case 'send':
        this.options.logger.debug(`signal → ${effect.message.type} on ${effect.conn}`)
        this.#book.link(effect.conn)?.send(effect.message)
        break
      case 'close':
        void this.#book.link(effect.conn)?.close(effect.reason)
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
        const fired = () => {
          this.#book.takeTimer(effect.timer, effect.callId)
          this.dispatch({type: 'timer', timer: effect.timer, callId: effect.callId})
        }

        clock.clearTimeout(this.#book.setTimer(effect.timer, effect.callId, clock.setTimeout(fired, effect.ms)))
        break
      }

      case 'cancel-timer':
        clock.clearTimeout(this.#book.takeTimer(effect.timer, effect.callId))
        break
      case 'log':
        logger[effect.level](effect.message)
        break
      case 'emit':
        this.#emit(effect.event, effect.callId, effect.body)
        break
      case 'pin':
        this.options.trust.pin(effect.peer, effect.publicKey, this.#entrySignedAt.get(effect.peer))
        break
    }
  }

  /**
   * The peer's identity in the call in progress: its key's fingerprint, the safety number (both identity keys) and
   * whether it was compared (`ivc trust --verified`).
   */
  safety(): {peerFingerprint: string; safetyNumber: string; verified: boolean} | undefined {
    const state = this.#state
    if (state.kind !== 'in-call' && state.kind !== 'ending') return undefined
    const {peer, peerKey} = state.call
    const pinned = this.options.trust.pinned(peer)
    return {peerFingerprint: fingerprint(peerKey), safetyNumber: safetyNumber(this.options.identity.publicKey, peerKey), verified: pinned?.publicKey === peerKey && pinned.verified}
  }

  #emit(event: TopicType<'call'>, callId: string, body: Record<string, unknown>): void {
    const payload: Record<string, unknown> = {callId, ...body}
    if (event === 'call.replaced') this.#book.replaced(callId, String(body.replacedBy))
    if (event === 'call.ended') {
      payload.summary = this.#book.ended(callId, body as unknown as CallEnd, this.#recordings.ended(callId))
    }
    this.options.onEvent(event, payload)
    // The reducer's effects carry bodies as records (types.ts); subscribers check them against messages.ts.
    void this.options.bus.publish('call', event, payload as TopicBody<'call', typeof event>, {callId}).catch(() => 0)
  }

  async #startMedia(): Promise<void> {
    const state = this.#state
    const session = this.#book.session
    if (state.kind !== 'in-call' || session?.callId !== state.call.callId) return
    const {call} = state
    try {
      session.begin(call)
      await session.controlReady()
      const now = this.#state
      if (now.kind !== 'in-call' || now.call.callId !== call.callId) return
      this.#controlUp = call.callId
      // Toggles made while the call was being set up: the senders started that way; the peer hears of it now.
      for (const kind of ['audio', 'video'] as const) {
        if (!now.call.sending.local[kind]) void this.#setLocalMedia(call.callId, kind, false)
      }

      await this.#recordings.begin({callId: call.callId, peer: call.peer, session})
      await session.mediaFlowing()
      if (this.#state.kind !== 'in-call' || this.#state.call.callId !== call.callId) return
      this.#emit('call.media-up', call.callId, {peer: call.peer, formats: callFormats(call.role, call.local, call.remote)})
    } catch (error) {
      this.options.logger.warn(`media for call ${call.callId} failed: ${(error as Error).message}`)
      this.dispatch({type: 'component-exited', callId: call.callId, component: 'media', reason: (error as Error).message})
    }
  }

  async #stopMedia(callId: string): Promise<void> {
    const session = this.#book.takeSession()
    this.#book.keepSummaries(callId, session ? await session.stop() : {})
    this.dispatch({type: 'media-stopped', callId})
    // If that step did not end the call (the teardown timer or a shutdown ended it first), its summary went out
    // without media stats, and nothing will read these.
    this.#book.dropSummaries(callId)
  }

  async #setLocalMedia(callId: string, kind: MediaKind, on: boolean): Promise<void> {
    const state = this.#state
    if (state.kind !== 'in-call' || state.call.callId !== callId) return
    try {
      // Our sender of that medium follows `media.set` on the bus (video off sends nothing, audio off silence).
      await this.options.bus.publish('media', 'media.set', {kind, on}, {callId})
      // The control component still starting has no one to ask: #startMedia tells the peer once it is up.
      if (this.#controlUp !== callId) return
      await this.options.bus.request('control', 'control.send', {message: {type: kind, on}}, {callId})
    } catch (error) {
      this.options.logger.warn(`turning ${kind} ${on ? 'on' : 'off'} failed: ${(error as Error).message}`)
    }
  }
}
