import {createServer} from 'node:net'

import type {Logger} from '../cli/logger.js'
import type {MediaOffer} from '../protocol/call/fields.js'
import {callKey} from '../security/key-share.js'
import type {Component, Supervisor} from './supervisor.js'
import type {ActiveCall, MediaKind} from './types.js'

/** What this side sends and plays in a call; passed through from `ivc listen` / `ivc call` flags. */
export interface MediaPlan {
  video?: {source: string; sink: string; connections: number; size: string; fps: number; quality: number}
  audio?: {source: string; sink: string; connections: number; frequency: number}
}

/** The flags every component of this user shares (so children reach the same bus). */
export interface ComponentContext {
  user: string
  redis: string
  logLevel: string
}

export interface MediaSummaries {
  video?: Record<string, unknown>
  audio?: Record<string, unknown>
}

/** A port free right now, for the caller's receivers, which can only start once the accept brings the secret. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '0.0.0.0', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  return typeof address === 'object' && address ? address.port : 0
}

/**
 * The processes of one call on this side: a receiver per medium the peer sends, a sender per medium we send, and
 * the control component. Start order avoids every race without retries: receivers and control listen before the
 * peer learns their ports, and our senders start only once the control connection is authenticated (by then the
 * peer's receivers are listening: the callee starts them before it accepts, the caller before it connects control).
 */
export class MediaSession {
  readonly #receivers = new Map<MediaKind, Component>()
  readonly #senders = new Map<MediaKind, Component>()
  #control: Component | undefined

  constructor(
    private readonly supervisor: Supervisor,
    private readonly plan: MediaPlan,
    private readonly context: ComponentContext,
    private readonly logger: Logger,
  ) {}

  /** Our half of the offer; ports of 0 are filled in by startReceivers (callee) or freePort (caller). */
  async offer(preallocate: boolean): Promise<MediaOffer> {
    const port = async () => (preallocate ? freePort() : 1)
    const offer: MediaOffer = {}
    if (this.plan.video) {
      const [width, height] = this.plan.video.size.split('x').map(Number)
      offer.video = {format: 'mjpeg', port: await port(), connections: this.plan.video.connections, send: true, receive: true, width, height, fps: this.plan.video.fps}
    }

    if (this.plan.audio) offer.audio = {format: 'pcm-s16le', port: await port(), connections: this.plan.audio.connections, send: true, receive: true, sampleRate: 48_000, channels: 1}
    return offer
  }

  /** Start a receiver for each medium both sides agree on; returns our offer with the ports they listen on. */
  async startReceivers(call: {callId: string; secret: string; peer: string}, local: MediaOffer, remote: MediaOffer, fixedPorts: boolean): Promise<MediaOffer> {
    const result: MediaOffer = structuredClone(local)
    const starts = (['video', 'audio'] as const).map(async (kind) => {
      const ours = local[kind]
      const theirs = remote[kind]
      if (!ours?.receive || !theirs?.send || !this.plan[kind]) return
      const args = [`stream-${kind}`, '--listen', '--port', String(fixedPorts ? ours.port : 0), '--sink', this.plan[kind]!.sink, ...this.#common(call)]
      const receiver = this.supervisor.start(`${kind} receiver`, args, {env: this.#mediaKeyEnv(call, kind, call.peer, this.context.user)})
      this.#receivers.set(kind, receiver)
      const listening = await receiver.waitForEvent((event) => event.event === 'listening')
      result[kind]!.port = listening.port as number
    })
    await Promise.all(starts)
    return result
  }

  /** Callee: the control component listens; returns its port for the accept. */
  async startControlListener(call: {callId: string; secret: string; peer: string}): Promise<number> {
    this.#control = this.supervisor.start('control', ['control', 'run', '--call-id', call.callId, '--peer', call.peer, '--control-port', '0', ...this.#context()], {env: this.#controlKeyEnv(call)})
    const listening = await this.#control.waitForEvent((event) => event.event === 'listening')
    return listening.port as number
  }

  /** Caller: connect the control component to the callee's. */
  startControlConnect(call: ActiveCall): void {
    const target = `${call.peerHost}:${call.controlPort}`
    this.#control = this.supervisor.start('control', ['control', 'run', '--call-id', call.callId, '--peer', call.peer, '--connect', target, ...this.#context()], {env: this.#controlKeyEnv(call)})
  }

  async controlReady(): Promise<void> {
    await this.#control!.waitForEvent((event) => event.event === 'ready', 10_000)
  }

  /** Start a sender for each medium we send and the peer receives. */
  startSenders(call: ActiveCall): void {
    for (const kind of ['video', 'audio'] as const) this.#startSender(call, kind)
  }

  #startSender(call: ActiveCall, kind: MediaKind): void {
    const ours = call.local[kind]
    const theirs = call.remote[kind]
    if (!ours?.send || !theirs?.receive) return
    let media: string[]
    if (kind === 'video') {
      const plan = this.plan.video
      if (!plan) return
      media = ['--source', plan.source, '--size', plan.size, '--fps', String(plan.fps), '--quality', String(plan.quality)]
    } else {
      const plan = this.plan.audio
      if (!plan) return
      media = ['--source', plan.source, '--frequency', String(plan.frequency)]
    }

    const args = [`stream-${kind}`, '--to', `${call.peerHost}:${theirs.port}`, '--connections', String(ours.connections), ...media, ...this.#common(call)]
    // A medium the user turned off while media was starting starts off (media-switch.ts).
    const env = {...this.#mediaKeyEnv(call, kind, this.context.user, call.peer), ...(call.sending.local[kind] ? {} : {IVC_MEDIA_START_OFF: '1'})}
    this.#senders.set(kind, this.supervisor.start(`${kind} sender`, args, {env}))
  }

  /** Resolves once every receiver has reported frames (their once-a-second stats), or after `timeoutMs` anyway. */
  async mediaFlowing(timeoutMs = 5000): Promise<void> {
    const flowing = [...this.#receivers.values()].map((receiver) =>
      receiver.waitForEvent((event) => typeof event.frames === 'number' && event.frames > 0, timeoutMs).catch(() => undefined),
    )
    await Promise.all(flowing)
  }

  /** Stop everything; returns what each receiver reported last (its summary). */
  async stop(): Promise<MediaSummaries> {
    const all = [...this.#senders.values(), ...this.#receivers.values(), ...(this.#control ? [this.#control] : [])]
    await Promise.all(all.map((component) => this.supervisor.stop(component)))
    const summaries: MediaSummaries = {}
    for (const [kind, receiver] of this.#receivers) {
      const last = receiver.lastEvent()
      if (last && last.role === 'receiver') summaries[kind] = last
    }

    this.#senders.clear()
    this.#receivers.clear()
    this.#control = undefined
    return summaries
  }

  #common(call: {callId: string}): string[] {
    return ['--call-id', call.callId, '--json', ...this.#context()]
  }

  /**
   * Each component gets the key of its own use only, never the call secret (src/security/key-share.ts), in its
   * environment: a command line is readable by every local user. The component removes it from its environment once
   * read, so what it starts in turn (ffplay, the PortAudio helper) never has it.
   */
  #mediaKeyEnv(call: {secret: string}, kind: MediaKind, from: string, to: string): NodeJS.ProcessEnv {
    return {IVC_MEDIA_SECRET: callKey(call.secret, {purpose: 'media', kind, from, to})}
  }

  #controlKeyEnv(call: {secret: string}): NodeJS.ProcessEnv {
    return {IVC_CALL_SECRET: callKey(call.secret, {purpose: 'control'})}
  }

  #context(): string[] {
    return ['--user', this.context.user, '--redis', this.context.redis, '--log-level', this.context.logLevel]
  }
}
