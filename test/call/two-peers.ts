import {initialCallState, reduceCall} from '../../src/call/state-machine.js'
import type {CallConfig, CallEffect, CallEvent, CallState, Step} from '../../src/call/types.js'
import {answerKeys} from '../../src/call/call-keys.js'
import {signalCodec} from '../../src/protocol/call/signalling.js'
import {newKeyShare} from '../../src/security/key-share.js'

/**
 * A tiny in-memory network to run several reducers against each other: it carries out their effects the way the
 * real driver will (connect, send, close, timers, media) but synchronously and with a virtual clock. Every
 * message a reducer sends goes through the real codec, so only wire-valid messages can pass.
 */
interface Peer {
  state: CallState
  steps: Step[]
  effects: CallEffect[]
  timers: Map<string, {due: number; event: CallEvent}>
  media: Set<string>
}

export class TwoPeers {
  now = 1_000_000
  readonly peers = new Map<string, Peer>()
  /** (user/conn) → the far end of that connection. */
  readonly links = new Map<string, {user: string; conn: string}>()
  readonly queue: Array<[string, CallEvent]> = []
  /** When false, stop-media never reports back (a component that hangs). */
  mediaStops = true
  #conns = 0

  add(user: string, config: Partial<CallConfig> = {}): this {
    this.peers.set(user, {state: initialCallState({user, ...config}), steps: [], effects: [], timers: new Map(), media: new Set()})
    this.dispatch(user, {type: 'go-online'})
    return this
  }

  peer(user: string): Peer {
    const peer = this.peers.get(user)
    if (!peer) throw new Error(`no peer ${user}`)
    return peer
  }

  state(user: string): CallState {
    return this.peer(user).state
  }

  /** Queue an event and run the network until it is quiet. */
  dispatch(user: string, event: CallEvent): this {
    this.queue.push([user, event])
    return this.run()
  }

  /** Queue events for several peers "at the same time" before any is handled. */
  together(...events: Array<[string, CallEvent]>): this {
    this.queue.push(...events)
    return this.run()
  }

  dial(from: string, to: string, callId = `call-${from}-${to}-${this.#conns}`): string {
    const conn = `out-${++this.#conns}`
    this.dispatch(from, {type: 'dial', callId, peer: to, host: to, port: 12_344, address: from, conn, media: {}, keyShare: newKeyShare()})
    return callId
  }

  /** `user` accepts its ringing call as the driver does: its own key pair, and the secret agreed with the caller. */
  accept(user: string, controlPort = 40_100): this {
    const state = this.state(user)
    if (state.kind !== 'incoming') throw new Error(`${user} has no incoming call (${state.kind})`)
    return this.dispatch(user, {type: 'accept', ...answerKeys(state.call, user), controlPort, media: {}})
  }

  /** Let virtual time pass, firing due timers in order. */
  advance(ms: number): this {
    const until = this.now + ms
    for (;;) {
      const due = [...this.peers].flatMap(([user, peer]) => [...peer.timers].map(([key, timer]) => ({user, key, ...timer}))).filter((t) => t.due <= until)
      if (due.length === 0) break
      due.sort((a, b) => a.due - b.due)
      this.now = due[0].due
      for (const timer of due.filter((t) => t.due === this.now)) {
        this.peer(timer.user).timers.delete(timer.key)
        this.queue.push([timer.user, timer.event])
      }

      this.run()
    }

    this.now = until
    return this
  }

  /** The process of `user` dies: the kernel closes its sockets, so every peer sees its connections close. */
  kill(user: string): this {
    for (const [key, far] of [...this.links]) {
      if (key.startsWith(`${user}/`)) this.#drop(key, far, 'connection reset')
    }

    this.peers.delete(user)
    return this.run()
  }

  run(): this {
    while (this.queue.length > 0) {
      const [user, event] = this.queue.shift()!
      const peer = this.peers.get(user)
      if (!peer) continue
      const step = reduceCall(peer.state, event, this.now)
      peer.state = step.state
      peer.steps.push(step)
      peer.effects.push(...step.effects)
      for (const effect of step.effects) this.#carryOut(user, peer, effect)
    }

    return this
  }

  #carryOut(user: string, peer: Peer, effect: CallEffect): void {
    switch (effect.type) {
      case 'connect': {
        const callee = this.peers.get(effect.host)
        if (!callee || callee.state.kind === 'idle') {
          this.queue.push([user, {type: 'connect-failed', conn: effect.conn, reason: 'ECONNREFUSED'}])
          return
        }

        const far = {user: effect.host, conn: `in-${++this.#conns}`}
        this.links.set(`${user}/${effect.conn}`, far)
        this.links.set(`${far.user}/${far.conn}`, {user, conn: effect.conn})
        this.queue.push([user, {type: 'connected', conn: effect.conn}])
        return
      }

      case 'send': {
        const far = this.links.get(`${user}/${effect.conn}`)
        const [message] = signalCodec.decodeAll(signalCodec.encode(effect.message))
        if (far) this.queue.push([far.user, {type: 'signal', conn: far.conn, message}])
        return
      }

      case 'close': {
        const key = `${user}/${effect.conn}`
        const far = this.links.get(key)
        if (far) this.#drop(key, far, 'closed by peer')
        return
      }

      case 'start-media':
        peer.media.add(effect.call.callId)
        return
      case 'stop-media':
        peer.media.delete(effect.callId)
        if (this.mediaStops) this.queue.push([user, {type: 'media-stopped', callId: effect.callId}])
        return
      case 'set-local-media': {
        // The control connection carries the toggle to whoever is in this call with us.
        const other = [...this.peers].find(([name, p]) => name !== user && p.media.has(effect.callId))
        if (other) this.queue.push([other[0], {type: 'peer-media', callId: effect.callId, kind: effect.kind, on: effect.on}])
        return
      }

      case 'start-timer':
        peer.timers.set(`${effect.timer}:${effect.callId}`, {due: this.now + effect.ms, event: {type: 'timer', timer: effect.timer, callId: effect.callId}})
        return
      case 'cancel-timer':
        peer.timers.delete(`${effect.timer}:${effect.callId}`)
        return
      default:
    }
  }

  /** Close one connection: both ends forget it, and the far end (if alive) sees it close. */
  #drop(key: string, far: {user: string; conn: string}, reason: string): void {
    this.links.delete(key)
    this.links.delete(`${far.user}/${far.conn}`)
    this.queue.push([far.user, {type: 'signal-closed', conn: far.conn, reason}])
  }
}
