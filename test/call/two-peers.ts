import {randomBytes} from 'node:crypto'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {Envelope} from '../../src/bus/envelope.js'
import {decodeEnvelope} from '../../src/bus/envelope.js'
import type {CallMedia, CallMediaSession} from '../../src/call/component-media.js'
import type {SignalLink, SignalNetwork} from '../../src/call/connections.js'
import {type CallBus, CallDriver} from '../../src/call/driver.js'
import type {MediaSummaries} from '../../src/call/media-session.js'
import type {ActiveCall, CallState, MediaKind} from '../../src/call/types.js'
import type {MediaAnswer, MediaOffer} from '../../src/protocol/call/fields.js'
import {answerFormats} from '../../src/protocol/call/formats.js'
import {signalCodec, type SignalMessage} from '../../src/protocol/call/signalling.js'
import {KnownPeers, knownPeersTrust} from '../../src/security/known-peers.js'
import {FakeClock} from '../support/fake-clock.js'
import {testIdentity} from '../support/identities.js'
import {recordingLogger} from '../support/logger.js'

/** Where every user's driver listens for calls, and the control port every callee answers with. */
export const CALL_PORT = 12_344
export const CONTROL_PORT = 40_100

export interface Peer {
  user: string
  driver: CallDriver
  bus: MemoryBus
  media: FakeCallMedia
  logger: ReturnType<typeof recordingLogger>
  /** What the driver told its user, in order: call events (onEvent) and presence changes (onPresence). */
  timeline: Array<{event: string; body: Record<string, unknown>} | {presence: string}>
}

/**
 * Real CallDrivers, one per user, in one process: what each touches is in memory and time is one fake clock.
 * Signalling goes through the real codec (only wire-valid messages pass) on links that deliver in order, later
 * (a microtask, never inside the sender's step, as a socket would). Each user's call components are a FakeCallMedia
 * and its bus a MemoryBus, whose control component relays toggles and chat to the peer in the call, as the real one
 * does over its control connection. Every method lets what it set off play out before it returns.
 */
export class TwoPeers {
  readonly clock = new FakeClock(1_000_000)
  /** Each user's known peers live here (real files): a fresh directory per TwoPeers. */
  readonly configDir = mkdtempSync(join(tmpdir(), 'ivc-two-peers-'))
  readonly network = new MemoryNetwork()
  readonly #peers = new Map<string, Peer>()

  /** A user whose driver listens for calls (host: the user's name, port CALL_PORT). */
  async add(user: string, config: {answerTimeoutMs?: number; trustOnFirstUse?: boolean} = {}): Promise<this> {
    const media = new FakeCallMedia()
    const bus = new MemoryBus(user, (callId, message) => this.#relayControl(user, callId, message))
    const logger = recordingLogger()
    const timeline: Peer['timeline'] = []
    const driver = new CallDriver({
      user,
      logger,
      address: user,
      ...(config.answerTimeoutMs ? {answerTimeoutMs: config.answerTimeoutMs} : {}),
      identity: testIdentity(user),
      trust: knownPeersTrust(new KnownPeers(this.configDir, user), {trustOnFirstUse: config.trustOnFirstUse ?? true}),
      network: this.network.host(user),
      media,
      bus,
      clock: this.clock,
      onEvent: (event, body) => timeline.push({event, body}),
      onPresence: (presence) => timeline.push({presence}),
    })
    this.#peers.set(user, {user, driver, bus, media, logger, timeline})
    await driver.subscribeControl()
    await driver.listen(CALL_PORT)
    return this.settle()
  }

  peer(user: string): Peer {
    const peer = this.#peers.get(user)
    if (!peer) throw new Error(`no peer ${user}`)
    return peer
  }

  driver(user: string): CallDriver {
    return this.peer(user).driver
  }

  state(user: string): CallState {
    return this.driver(user).state
  }

  /** The bodies of the call events `user` heard named `event`. */
  events(user: string, event: string): Array<Record<string, unknown>> {
    return this.peer(user).timeline.flatMap((entry) => ('event' in entry && entry.event === event ? [entry.body] : []))
  }

  /** `from` calls `to` (at host `host`, by default `to`'s own) and the network runs until it is quiet. */
  async dial(from: string, to: string, host = to): Promise<{callId: string; ended: Promise<unknown>}> {
    const placed = await this.driver(from).placeCall(to, host, CALL_PORT, testIdentity(to).publicKey)
    await this.settle()
    return placed
  }

  async accept(user: string): Promise<this> {
    await this.driver(user).accept()
    return this.settle()
  }

  /** Run a local command (hang up, reject, a toggle) on `user`'s driver and let it play out. */
  async command(user: string, run: (driver: CallDriver) => unknown): Promise<this> {
    await run(this.driver(user))
    return this.settle()
  }

  /** An event on `user`'s bus topic `control`, as its control component publishes one. */
  async control(user: string, type: string, callId: string, body: Record<string, unknown>): Promise<this> {
    this.peer(user).bus.deliver('control', type, body, callId)
    return this.settle()
  }

  /** `user`'s signalling connections report their peer stalled or heard again. */
  async liveness(user: string, change: {kind: 'stalled' | 'resumed'; silentMs: number}): Promise<this> {
    this.network.liveness(user, change)
    return this.settle()
  }

  /** Let virtual time pass, stopping at each timer that falls due to let what it set off play out. */
  async advance(ms: number): Promise<this> {
    const until = this.clock.now() + ms
    for (let due = this.clock.nextDue; due !== undefined && due <= until; due = this.clock.nextDue) {
      this.clock.advance(due - this.clock.now())
      await this.settle()
    }

    this.clock.advance(until - this.clock.now())
    return this.settle()
  }

  /**
   * The process of `user` dies: the kernel resets its connections, so every peer sees them close. (Its driver
   * object stays, cut off: a timer of it that fires later only talks to dead links.)
   */
  async kill(user: string): Promise<this> {
    this.network.kill(user)
    this.#peers.delete(user)
    return this.settle()
  }

  /**
   * Everything here runs on microtasks (links, bus, components) and the fake clock, so one turn of the event loop
   * lets all that is under way finish.
   */
  async settle(): Promise<this> {
    await new Promise((resolve) => setImmediate(resolve))
    return this
  }

  /** `from`'s control component sends `message` to the control component of the peer in call `callId`. */
  #relayControl(from: string, callId: string, message: {type: string; on?: boolean; text?: string}): void {
    const peer = [...this.#peers.values()].find((p) => p.user !== from && p.media.sessions.some((s) => s.call?.callId === callId && !s.stopped))
    if (!peer) throw new Error(`no peer of ${from} in call ${callId}`)
    if (message.type === 'audio' || message.type === 'video') peer.bus.deliver('control', 'control.peer-media', {kind: message.type, on: message.on}, callId)
    else if (message.type === 'chat') peer.bus.deliver('control', 'control.chat', {text: message.text}, callId)
  }
}

/**
 * What `promise` has resolved with by now, or 'pending': everything here settles within one turn of the event loop,
 * so a promise still pending after it (a call's `ended`) will never resolve, and the test can say so at once.
 */
export async function peek<T>(promise: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([promise, new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')))])
}

/** Signalling in memory: hosts by name, a listener per host and port, and every byte that crossed it. */
export class MemoryNetwork {
  /** Every frame sent, encoded by the real codec. */
  readonly wire: Buffer[] = []
  readonly #listeners = new Map<string, (link: SignalLink) => void>()
  readonly #links = new Map<string, Set<MemoryLink>>()
  /** Hosts whose connects wait (a slow SYN-ACK) until released. */
  readonly #held = new Map<string, Array<() => void>>()

  /** The network as `user`'s process sees it. */
  host(user: string): SignalNetwork {
    return {
      listen: async (port, onConnection) => {
        this.#listeners.set(`${user}:${port}`, onConnection)
        return {port, close: async () => void this.#listeners.delete(`${user}:${port}`)}
      },
      connect: async (host, port) => {
        if (this.#held.has(host)) await new Promise<void>((resolve) => this.#held.get(host)!.push(resolve))
        const accept = this.#listeners.get(`${host}:${port}`)
        if (!accept) throw new Error('ECONNREFUSED')
        const [ours, theirs] = MemoryLink.pair(this, user, host)
        queueMicrotask(() => accept(theirs))
        return ours
      },
    }
  }

  /** Connections to `host` wait until `release(host)`. */
  hold(host: string): void {
    this.#held.set(host, [])
  }

  release(host: string): void {
    for (const resolve of this.#held.get(host) ?? []) resolve()
    this.#held.delete(host)
  }

  /** How many of `user`'s connections are still open. */
  openLinks(user: string): number {
    return [...(this.#links.get(user) ?? [])].filter((link) => !link.isClosed).length
  }

  track(user: string, link: MemoryLink): void {
    if (!this.#links.has(user)) this.#links.set(user, new Set())
    this.#links.get(user)!.add(link)
  }

  /** `user`'s open links report `change` of their peer's liveness (as FramedConnection's keepalive would). */
  liveness(user: string, change: {kind: 'stalled' | 'resumed'; silentMs: number}): void {
    for (const link of this.#links.get(user) ?? []) if (!link.isClosed) link.tellLiveness(change)
  }

  /** `user`'s process is gone: its listeners too, and its links are reset. */
  kill(user: string): void {
    for (const key of this.#listeners.keys()) if (key.startsWith(`${user}:`)) this.#listeners.delete(key)
    for (const link of this.#links.get(user) ?? []) link.reset()
    this.#links.delete(user)
  }
}

/** One end of an in-memory signalling connection. */
export class MemoryLink implements SignalLink {
  readonly closed: Promise<{reason: string}>
  #far!: MemoryLink
  #ended = false
  #resolveClosed!: (info: {reason: string}) => void
  readonly #listeners = new Set<(message: SignalMessage) => void>()
  readonly #livenessListeners = new Set<(change: {kind: 'stalled' | 'resumed'; silentMs: number}) => void>()
  readonly #unread: SignalMessage[] = []

  static pair(network: MemoryNetwork, a: string, b: string): [MemoryLink, MemoryLink] {
    // Both ends of one connection see the same channel (the hash of its hellos, in TCP signalling).
    const channel = randomBytes(32).toString('hex')
    const ours = new MemoryLink(network, channel)
    const theirs = new MemoryLink(network, channel)
    ours.#far = theirs
    theirs.#far = ours
    network.track(a, ours)
    network.track(b, theirs)
    return [ours, theirs]
  }

  private constructor(
    private readonly network: MemoryNetwork,
    readonly channel: string,
  ) {
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve))
  }

  get isClosed(): boolean {
    return this.#ended
  }

  send(message: SignalMessage): boolean {
    if (this.#ended) return false
    const frame = signalCodec.encode(message)
    this.network.wire.push(frame)
    const [arrived] = signalCodec.decodeAll(frame)
    queueMicrotask(() => this.#far.#arrive(arrived))
    return true
  }

  onMessage(listener: (message: SignalMessage) => void): void {
    this.#listeners.add(listener)
    for (const message of this.#unread.splice(0)) listener(message)
  }

  onLiveness(listener: (change: {kind: 'stalled' | 'resumed'; silentMs: number}) => void): void {
    this.#livenessListeners.add(listener)
  }

  tellLiveness(change: {kind: 'stalled' | 'resumed'; silentMs: number}): void {
    for (const listener of this.#livenessListeners) listener(change)
  }

  /** What was sent arrives first; then the far end sees the close, and then so do we (as TCP's FINs go). */
  async close(reason: string): Promise<{reason: string}> {
    this.#shut(reason, 'closed by the peer')
    return this.closed
  }

  destroy(reason: string): void {
    this.#shut(reason, 'closed by the peer')
  }

  reset(): void {
    this.#shut('killed', 'connection reset')
  }

  #shut(reason: string, farReason: string): void {
    if (this.#ended) return
    this.#ended = true
    queueMicrotask(() => {
      this.#far.#end(farReason)
      this.#resolveClosed({reason})
    })
  }

  #arrive(message: SignalMessage): void {
    if (this.#ended) return
    if (this.#listeners.size === 0) this.#unread.push(message)
    for (const listener of this.#listeners) listener(message)
  }

  #end(reason: string): void {
    if (this.#ended) return
    this.#ended = true
    this.#resolveClosed({reason})
  }
}

/**
 * A user's bus as the driver uses it: what it publishes is recorded, `deliver` plays a component's event to its
 * subscribers (as a valid envelope), and `control.send` requests reach the control component (`relay`).
 */
export class MemoryBus implements CallBus {
  readonly published: Array<{topic: string; type: string; body: unknown; callId?: string}> = []
  readonly #subscribers = new Map<string, Set<(envelope: Envelope) => void | Promise<void>>>()

  constructor(
    private readonly user: string,
    private readonly relay: (callId: string, message: {type: string; on?: boolean; text?: string}) => void,
  ) {}

  async publish(topic: string, type: string, body: unknown, extra: {callId?: string} = {}): Promise<number> {
    this.published.push({topic, type, body, ...extra})
    return 1
  }

  async subscribe(topic: string, handler: (envelope: Envelope) => void | Promise<void>): Promise<() => Promise<void>> {
    if (!this.#subscribers.has(topic)) this.#subscribers.set(topic, new Set())
    this.#subscribers.get(topic)!.add(handler)
    return async () => void this.#subscribers.get(topic)?.delete(handler)
  }

  async request<R = unknown>(component: string, type: string, body: unknown = {}, options: {callId?: string} = {}): Promise<R> {
    if (component !== 'control' || type !== 'control.send' || !options.callId) throw new Error(`no component answers ${component} ${type}`)
    const {message} = body as {message: {type: string; on?: boolean; text?: string}}
    this.relay(options.callId, message)
    return {sent: message.type} as R
  }

  deliver(topic: string, type: string, body: Record<string, unknown>, callId: string): void {
    const decoded = decodeEnvelope(JSON.stringify({v: 1, type, from: `${this.user}-control`, callId, ts: 1, body}))
    if (!decoded.ok) throw new Error(`not an envelope: ${decoded.reason}`)
    for (const handler of this.#subscribers.get(topic) ?? []) void handler(decoded.value)
  }
}

/** One user's call components: sessions that record what the driver asks of them, and report when the test says. */
export class FakeCallMedia implements CallMedia {
  readonly sessions: FakeSession[] = []
  /** When false, components never finish stopping (a component that hangs). */
  stops = true
  /** How this side's sessions answer an invite's media (default: as production does, formats.ts answerFormats). */
  answer: (invite: MediaOffer, local: MediaOffer) => MediaAnswer = answerFormats
  #onExit: (component: string, reason: string, side: 'local' | 'peer') => void = () => undefined
  stoppedAll = false
  /** The control component of this side's next session: ready at once (open), or only once released. */
  control: {ready: Promise<void>} = {ready: Promise.resolve()}

  session(callId: string): FakeSession {
    const session = new FakeSession(callId, this)
    this.sessions.push(session)
    return session
  }

  /** The next session's control component stays starting until the returned function is called. */
  holdControl(): () => void {
    let release = () => undefined as void
    this.control = {ready: new Promise<void>((resolve) => (release = resolve))}
    return release
  }

  onComponentExit(listener: (component: string, reason: string, side: 'local' | 'peer') => void): void {
    this.#onExit = listener
  }

  /** A component of the call ends by itself, as the supervisor reports a crash. */
  crash(component: string, reason: string, side: 'local' | 'peer' = 'local'): void {
    this.#onExit(component, reason, side)
  }

  async stopAll(): Promise<void> {
    this.stoppedAll = true
  }

  /** The session of `callId` whose components run (started and not stopped). */
  running(callId: string): FakeSession | undefined {
    return this.sessions.find((session) => session.callId === callId && session.started !== undefined && !session.stopped)
  }
}

const AUDIO: MediaOffer = {audio: {formats: ['pcm-s16le'], port: 40_200, connections: 10, send: true, receive: true, sampleRate: 48_000, channels: 1}}

export class FakeSession implements CallMediaSession {
  /** How the driver started it: as the caller (dialling) or the callee (ringing). */
  started: 'caller' | 'callee' | undefined
  /** The agreed call, once the driver began it. */
  call: ActiveCall | undefined
  acceptedTimes = 0
  stopped = false
  readonly #firstFrame: Array<(kind: MediaKind, setupMs: number) => void> = []

  constructor(
    readonly callId: string,
    private readonly media: FakeCallMedia,
  ) {}

  async offer(): Promise<MediaOffer> {
    return AUDIO
  }

  startCaller(): void {
    this.started = 'caller'
  }

  #invite: MediaOffer = {}

  startCallee(_peer: string, remote: MediaOffer): void {
    this.started = 'callee'
    this.#invite = remote
  }

  async accepted(): Promise<{media: MediaAnswer; controlPort: number}> {
    this.acceptedTimes += 1
    // The production answer: the formats chosen for each direction (protocol/call/formats.ts).
    return {media: this.media.answer(this.#invite, AUDIO), controlPort: CONTROL_PORT}
  }

  begin(call: ActiveCall): void {
    this.call = call
  }

  async controlReady(): Promise<void> {
    await this.media.control.ready
  }

  async startRecording(): Promise<void> {
    throw new Error('not recorded in these tests')
  }

  async stopRecording(): Promise<undefined> {
    return undefined
  }

  async mediaFlowing(): Promise<void> {}

  /** What the driver told this session of the peer's media (control.peer-media), in order. */
  readonly peerMedia: Array<{kind: MediaKind; on: boolean}> = []

  peerSends(kind: MediaKind, on: boolean): void {
    this.peerMedia.push({kind, on})
  }

  onFirstFrame(listener: (kind: MediaKind, setupMs: number) => void): void {
    this.#firstFrame.push(listener)
  }

  /** The receiver of `kind` reports its first frame. */
  firstFrame(kind: MediaKind, setupMs: number): void {
    for (const listener of this.#firstFrame) listener(kind, setupMs)
  }

  stop(): Promise<MediaSummaries> {
    this.stopped = true
    if (!this.media.stops) return new Promise(() => undefined)
    return Promise.resolve({audio: {role: 'receiver', frames: 500}, setupMs: 120})
  }
}
