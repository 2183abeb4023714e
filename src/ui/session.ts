import type {Bus} from '../bus/bus.js'
import type {CallStateReply, MediaStats} from '../bus/messages.js'
import {requestCall} from '../call/control-client.js'
import {peerTrust} from '../call/flags.js'
import {findCallee} from '../call/place-call.js'
import {oneDecimal} from '../call/stats-table.js'
import type {Directory, DirectoryWatch} from '../directory/types.js'
import {toIvcError} from '../foundation/errors.js'
import type {Logger} from '../foundation/logger.js'
import {validateUsername} from '../foundation/username.js'
import type {PageEvent, PageRequest, PeerIdentity, Person, ScreenView, StreamNumbers} from './page-protocol.js'
import type {PageLatency} from './page-latency.js'
import {applyCallEvent, homeView} from './screen.js'

/** One user's side of the page: their bus and call component (ui/account.ts opens it). */
export interface Account {
  user: string
  bus: Bus
  /** Resolves, with why, if the user's call component that this account started stops by itself. */
  ended: Promise<string>
  close(): Promise<void>
}

export interface UiSessionOptions {
  account: Account
  /** Go online as another name: the old account is closed first. */
  openAccount: (user: string) => Promise<Account>
  directory: Directory
  logger: Logger
  /** What the page path adds to the peer's video, fed by the pages' `taken` reports. */
  pageLatency: PageLatency
}

type Send = (event: PageEvent) => void

/**
 * The ui process's state between the bus and its pages: it folds the user's call events into the screen
 * (ui/screen.ts), follows who is online in the directory, and turns what a page asks (call, accept, mute, chat…)
 * into the same bus requests `ivc call` and `ivc control` make. Every page open on it sees the same view.
 */
export class UiSession {
  readonly #pages = new Set<Send>()
  #account: Account
  #view: ScreenView
  #people: Person[] = []
  #unsubscribe: () => Promise<void> = async () => {}
  #watch: DirectoryWatch | undefined
  #closed = false

  private constructor(private readonly options: UiSessionOptions) {
    this.#account = options.account
    this.#view = homeView(options.account.user)
  }

  static async start(options: UiSessionOptions): Promise<UiSession> {
    const session = new UiSession(options)
    await session.#follow()
    session.#watch = await options.directory.watch()
    void session.#watchPeople(session.#watch)
    await session.#refreshPeople()
    return session
  }

  get view(): ScreenView {
    return this.#view
  }

  /** A page connected: it gets the current view and people at once, then every change. Returns its detach. */
  attach(send: Send): () => void {
    this.#pages.add(send)
    send({v: 1, type: 'view', view: this.#view})
    send({v: 1, type: 'people', people: this.#people})
    return () => this.#pages.delete(send)
  }

  /** What a page asked; a failure goes back to that page as an `error` message. */
  async handle(request: PageRequest, send: Send): Promise<void> {
    try {
      await this.#act(request, send)
    } catch (error) {
      send({v: 1, type: 'error', message: toIvcError(error).message})
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    await this.#watch?.close()
    await this.#unsubscribe()
    await this.#account.close()
  }

  async #act(request: PageRequest, send: Send): Promise<void> {
    const {bus} = this.#account
    switch (request.type) {
      case 'save-name':
        return this.#rename(request.name)
      case 'call': {
        // The ui pins on first use, as ivc call does by default; IDENTITY_CHANGED reaches the page as an error.
        const callee = await findCallee(this.options.directory, request.peer, peerTrust(this.#account.user, true))
        await bus.request('call', 'call.dial', {peer: request.peer, ...callee}, {timeoutMs: 10_000})
        return
      }

      case 'accept':
        await requestCall(bus, 'accept')
        return
      case 'decline':
        await requestCall(bus, 'reject')
        return
      case 'hangup':
        await requestCall(bus, 'hangup')
        return
      case 'media': {
        // On Home it is the next call's starting state; during a call the call component switches it and the peer is told.
        if (this.#view.screen !== 'on-call') return this.#show({...this.#view, local: {...this.#view.local, [request.kind]: request.on}})
        await requestCall(bus, mediaVerb(request.kind, request.on))
        return
      }

      case 'chat':
        await requestCall(bus, 'chat', {text: request.text})
        return
      case 'stats': {
        const reply = await requestCall(bus, 'stats')
        // Marked verified during the call (ivc trust --verified): the page sees it with the next numbers.
        this.#showIdentity(reply)
        const streams = streamNumbers(reply)
        const pagePath = this.options.pageLatency.recent()
        if (pagePath) streams['video-in'] = {...streams['video-in'], pagePathP50Ms: oneDecimal(pagePath.p50), pagePathP95Ms: oneDecimal(pagePath.p95)}
        send({v: 1, type: 'stats', streams})
        return
      }

      case 'taken':
        // Only the peer's video counts: the page path of one's own is not a call's.
        if (request.stream === 'video' && request.painted) this.options.pageLatency.painted(request.handedUs)
        return
      default:
        return request satisfies never
    }
  }

  async #rename(name: string): Promise<void> {
    validateUsername(name)
    if (name === this.#account.user) return
    if (this.#view.screen !== 'home') throw new Error('hang up first: the name changes only on Home')
    await this.#unsubscribe()
    await this.#account.close()
    this.#account = await this.options.openAccount(name)
    this.#view = homeView(name, this.#view.local)
    await this.#follow()
    this.#show(this.#view)
    await this.#refreshPeople()
  }

  /** Subscribe to the account's call events, and tell the pages if its call component stops. */
  async #follow(): Promise<void> {
    const account = this.#account
    const {bus} = account
    void account.ended.then((why) => {
      if (this.#account === account && !this.#closed) this.#broadcast({v: 1, type: 'error', message: `${account.user}'s ivc listen stopped (${why}): calls do not work until ivc ui is started again`})
    })
    this.#unsubscribe = await bus.subscribe('call', (envelope) => {
      const body = envelope.body as Record<string, unknown>
      if (envelope.type === 'call.chat') this.#broadcast({v: 1, type: 'chat', direction: envelope.body.direction, text: envelope.body.text})
      const before = this.#view
      const after = applyCallEvent(before, envelope.type, body)
      if (after === before) return
      this.#show(after)
      // The peer's identity, once the call is on (and again when media is up, should the first ask have been early).
      if (after.screen === 'on-call' && !after.identity && (before.screen !== 'on-call' || envelope.type === 'call.media-up')) {
        requestCall(bus, 'status')
          .then((reply) => this.#showIdentity(reply))
          .catch((error: Error) => this.options.logger.warn(`ui: ${error.message}`))
      }

      // Camera or microphone switched off on Home: the call starts with them off.
      if (before.screen !== 'on-call' && after.screen === 'on-call') {
        for (const kind of ['audio', 'video'] as const) {
          if (!after.local[kind]) requestCall(bus, mediaVerb(kind, false)).catch((error: Error) => this.options.logger.warn(`ui: ${error.message}`))
        }
      }
    })
  }

  /** The peer's identity from a `call.*` reply, on the On-call screen. */
  #showIdentity(reply: CallStateReply): void {
    const identity = peerIdentity(reply)
    const view = this.#view
    if (view.screen !== 'on-call' || !identity || reply.peer !== view.peer) return
    if (view.identity && JSON.stringify(view.identity) === JSON.stringify(identity)) return
    this.#show({...view, identity})
  }

  #show(view: ScreenView): void {
    this.#view = view
    this.#broadcast({v: 1, type: 'view', view})
  }

  #broadcast(event: PageEvent): void {
    for (const send of this.#pages) send(event)
  }

  async #watchPeople(watch: DirectoryWatch): Promise<void> {
    try {
      for await (const _change of watch) await this.#refreshPeople()
    } catch (error) {
      if (!this.#closed) this.options.logger.warn(`ui: watching the directory failed: ${(error as Error).message}`)
    }
  }

  async #refreshPeople(): Promise<void> {
    const entries = await this.options.directory.list({onlineOnly: true}).catch((error: Error) => {
      this.options.logger.warn(`ui: reading the directory failed: ${error.message}`)
      return undefined
    })
    if (!entries || this.#closed) return
    const people: Person[] = entries
      .filter((entry) => entry.name !== this.#account.user && entry.ports.call !== undefined && entry.status !== 'offline')
      .map((entry) => ({name: entry.name, status: entry.status === 'in-call' ? 'in-call' : 'online'}))
    // A change to an entry the page does not show (an address, a port) is no news to it.
    if (JSON.stringify(people) === JSON.stringify(this.#people)) return
    this.#people = people
    this.#broadcast({v: 1, type: 'people', people: this.#people})
  }
}

/** Who the peer of the call in progress is by key, when the reply says (a call past its signed set-up). */
export function peerIdentity(reply: CallStateReply): PeerIdentity | undefined {
  const {peerFingerprint, safetyNumber, verified} = reply
  if (!peerFingerprint || !safetyNumber) return undefined
  return {fingerprint: peerFingerprint, safetyNumber, verified: verified === true}
}

function mediaVerb(kind: 'audio' | 'video', on: boolean) {
  if (kind === 'audio') return on ? 'unmute' : 'mute'
  return on ? 'video-on' : 'video-off'
}

/** The numbers the page shows of each stream, from the reply of `call.stats`. */
export function streamNumbers(reply: CallStateReply): Partial<Record<'video-in' | 'video-out' | 'audio-in' | 'audio-out', StreamNumbers>> {
  const streams: Partial<Record<'video-in' | 'video-out' | 'audio-in' | 'audio-out', StreamNumbers>> = {}
  for (const kind of ['video', 'audio'] as const) {
    for (const role of ['sender', 'receiver'] as const) {
      const stats: MediaStats | undefined = reply[kind]?.[role]
      if (!stats) continue
      const adapt = stats.adapt as {strategy?: string; targetKbps?: number; scale?: number; quality?: number} | undefined
      streams[`${kind}-${role === 'sender' ? 'out' : 'in'}`] = {
        frames: figure(stats.frames),
        fps: figure(stats.fps),
        kbps: figure(stats.kbps),
        latencyP95Ms: figure(stats.latencyMs?.p95),
        rung: adapt?.strategy ? `${adapt.strategy}: ${adapt.targetKbps} kbit/s, scale ${adapt.scale}, q${adapt.quality}` : undefined,
      }
    }
  }

  return streams
}

function figure(value: unknown): string | undefined {
  return typeof value === 'number' ? oneDecimal(value) : undefined
}
