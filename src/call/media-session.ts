import {mkdtempSync} from 'node:fs'
import {rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'

import {type MediaStats, mediaStatsSchema} from '../bus/messages.js'
import {type Clock, realClock} from '../foundation/clock.js'
import type {Logger} from '../foundation/logger.js'
import type {MediaAnswer, MediaOffer} from '../protocol/call/fields.js'
import {answerFormats, callFormats} from '../protocol/call/formats.js'
import {AUDIO_FORMATS, type AudioFormat} from '../media/audio/stream-formats.js'
import {VIDEO_FORMATS, type VideoFormat} from '../media/video/formats.js'
import {callKey} from '../security/key-share.js'
import {type ReservedPort, reservePort} from '../transport/handed-port.js'
import {COMPONENT_START_MS} from './component-start.js'
import type {Component, Supervisor} from './supervisor.js'
import type {ActiveCall, MediaKind} from './types.js'
import {RECORD_SOCKETS_ENV, type RecordedStream} from '../media/record-tap.js'
import {CallRecording, type RecordingResult, type StreamFormat} from './recording.js'
import {MediaFlow} from './media-flow.js'

/** What this side sends and plays in a call; passed through from `ivc listen` / `ivc call` flags. */
export interface MediaPlan {
  /** `formats` (video and audio): the formats this side offers, best first (offered-formats.ts). */
  video?: {source: string; sink: string; connections: number; size: string; fps: number; quality: number; selfView?: 'ffplay' | 'ui'; formats: string[]}
  audio?: {source: string; sink: string; connections: number; frequency: number; formats: string[]}
}

/** The flags every component of this user shares (so children reach the same bus). */
export interface ComponentContext {
  user: string
  redis: string
  logLevel: string
  /** Where this side's receivers and control listen (flags.ts `listenAddress`): never wider than asked. */
  bind: string
  /** --stall-timeout in seconds, for the control component (its connection gives a silent peer up after it). */
  stallTimeoutS?: number
}

export interface MediaSummaries {
  video?: MediaStats
  audio?: MediaStats
  /** ms from set-up (dial, or accept) to the first remote frame, when one came. */
  setupMs?: number
  /** How each of the call's processes ended: a status, or the signal that ended it (a crash, or SIGKILL after the grace). */
  components?: ComponentEnd[]
  /** The call's recording on this side (`ivc call --record`), once finished. */
  recording?: RecordingResult
}

export type ComponentEnd = {name: string; code: number | null; signal: string | null}

/**
 * The processes of one call on this side: a receiver per medium the peer sends, a sender per medium we send, and
 * the control component. They start before the call is agreed, in parallel, so the time a process takes to start
 * passes while the peer rings: the caller's as it dials (its receivers on the ports its invite offers), the callee's
 * as the call rings (it answers with the ports they listen on). Each waits for its start line (component-start.ts):
 * once the call is agreed, `begin` gives every one its own key and every sender and the caller's control its peer's
 * address. Senders connect at once: the callee's receivers listen before it accepts, and a caller's receiver still
 * starting is waited for (a refused connection is retried).
 */
export class MediaSession {
  readonly #receivers = new Map<MediaKind, Component>()
  readonly #senders = new Map<MediaKind, Component>()
  readonly #flow = new MediaFlow()
  /** Called as the flow changes, while mediaFlowing waits. */
  #flowChanged: () => void = () => undefined
  readonly #firstFrameListeners: Array<(kind: MediaKind, setupMs: number) => void> = []
  /** ms from set-up to the first remote frame of any medium. */
  #setupMs: number | undefined
  #control: Component | undefined
  /** The directory where this call's recorder puts its sockets (made as the first component starts, mode 0700). */
  #recordDirectory: string | undefined
  /** The streams the call has, with their formats, once it began: a recording's tracks. */
  #tracks: Partial<Record<RecordedStream, StreamFormat>> | undefined
  /** The recording in progress on this side, and its file (set as it starts, so a second start is refused at once). */
  #recording: Promise<CallRecording> | undefined
  #recordingFile: string | undefined
  /** The last recording finished during this call, for the summary. */
  #recorded: RecordingResult | undefined
  /** Listening sockets opened for our receivers and control, until each is handed to its component (handed-port.ts). */
  readonly #reserved = new Map<number, ReservedPort>()
  /** A callee's offer with its components' ports, once they are started. */
  #started: Promise<{media: MediaAnswer; controlPort: number}> | undefined
  /** When set-up began for the person (dial, or accept), on the monotonic clock: set-up times count from here. */
  setupFrom: number

  constructor(
    readonly callId: string,
    private readonly supervisor: Supervisor,
    private readonly plan: MediaPlan,
    private readonly context: ComponentContext,
    private readonly logger: Logger,
    protected readonly clock: Clock = realClock,
  ) {
    this.setupFrom = clock.now()
  }

  /**
   * Our half of the offer: with `preallocate`, ports opened now (held until our receivers take them over), where our
   * receivers will listen.
   */
  async offer(preallocate: boolean): Promise<MediaOffer> {
    const port = async () => (preallocate ? this.#reserve() : 1)
    const offer: MediaOffer = {}
    if (this.plan.video) {
      const [width, height] = this.plan.video.size.split('x').map(Number)
      offer.video = {formats: this.plan.video.formats, port: await port(), connections: this.plan.video.connections, send: true, receive: true, width, height, fps: this.plan.video.fps}
    }

    if (this.plan.audio) offer.audio = {formats: this.plan.audio.formats, port: await port(), connections: this.plan.audio.connections, send: true, receive: true, sampleRate: 48_000, channels: 1}
    return offer
  }

  /** Caller, as it dials: every component it may need, receivers on the ports of `local` (its invite's offer). */
  startCaller(peer: string, local: MediaOffer): void {
    // Receivers first: the first remote frame waits for one of them to listen, and each spawn holds this process a
    // few ms.
    for (const kind of KINDS) if (local[kind]?.receive) this.#startReceiver(kind, local[kind]!.port, peer)
    for (const kind of KINDS) if (local[kind]?.send) this.#startSender(kind)
    this.#control = this.#start('control', ['control', 'run', '--call-id', this.callId, '--peer', peer, '--await-start', ...this.#stall(), ...this.#context()])
  }

  /**
   * Callee, as the call rings: every component for what both sides agree on, receivers and control on ports chosen
   * now, so the accept can name them at once (the caller's senders and control wait for them to listen), and the
   * format of each direction chosen (protocol/call/formats.ts).
   */
  startCallee(peer: string, remote: MediaOffer): void {
    this.#started = (async () => {
      const local = answerFormats(remote, await this.offer(true))
      const controlPort = await this.#reserve()
      for (const kind of KINDS) if (local[kind]?.receive && remote[kind]?.send) this.#startReceiver(kind, local[kind]!.port, peer)
      for (const kind of KINDS) if (local[kind]?.send && remote[kind]?.receive) this.#startSender(kind)

      this.#control = this.#start('control', ['control', 'run', '--call-id', this.callId, '--peer', peer, '--control-port', String(controlPort), '--bind', this.context.bind, '--await-start', ...this.#stall(), ...this.#context()], controlPort)
      // A port offered for a medium the peer does not send has no receiver to take it.
      await this.#releaseAll()
      return {media: local, controlPort}
    })()
  }

  /** Callee: our offer with the ports our receivers and control listen on (or are about to), for the accept. */
  async listeningOffer(): Promise<{media: MediaAnswer; controlPort: number}> {
    if (!this.#started) throw new Error('listeningOffer() before startCallee()')
    return this.#started
  }

  /**
   * The call is agreed: each component gets the key of its own use, never the call secret (src/security/key-share.ts).
   * Components for media the peer turned out not to send or receive stop. Throws if one has already ended.
   */
  begin(call: ActiveCall): void {
    const {user} = this.context
    // A direction flows in the format the accept chose for it; one with none (the sides share no format) does not.
    const formats = callFormats(call.role, call.local, call.remote)
    for (const [kind, receiver] of this.#receivers) {
      const format = formats[kind]?.receive
      if (!call.remote[kind]?.send || !format) {
        this.#drop(this.#receivers, kind)
        this.#flow.forget(kind)
        continue
      }

      receiver.begin({secret: callKey(call.secret, {purpose: 'media', kind, from: call.peer, to: user}), format})
    }

    for (const [kind, sender] of this.#senders) {
      const theirs = call.remote[kind]
      const format = formats[kind]?.send
      if (!theirs?.receive || !format) {
        this.#drop(this.#senders, kind)
        continue
      }

      sender.begin({secret: callKey(call.secret, {purpose: 'media', kind, from: user, to: call.peer}), to: `${call.peerHost}:${theirs.port}`, off: !call.sending.local[kind], format})
    }

    this.#tracks = this.#recordedTracks(call, formats)
    void this.#recording?.then((recording) => recording.begin(this.#tracks!), () => undefined)

    const controlKey = callKey(call.secret, {purpose: 'control', setupHash: call.setupHash})
    this.#control!.begin(call.role === 'caller' ? {secret: controlKey, to: `${call.peerHost}:${call.controlPort}`} : {secret: controlKey})
  }

  /** The file this call is recorded to on this side, if it is. */
  get recordingFile(): string | undefined {
    return this.#recordingFile
  }

  /**
   * Record the call from now on into `file` (RECORD_FAILED when it cannot be written): the recorder listens in the
   * call's directory, the components' taps find it at their next frame, and each video stream starts at a keyframe.
   */
  async startRecording(file: string): Promise<void> {
    if (this.#recordingFile !== undefined || !this.#recordDirectory) throw new Error('startRecording() while recording, or before the components started')
    this.#recordingFile = resolve(file)
    this.#recording = CallRecording.open(file, this.#recordDirectory, this.logger, this.clock)
    try {
      const recording = await this.#recording
      if (this.#tracks) recording.begin(this.#tracks)
    } catch (error) {
      this.#recording = undefined
      this.#recordingFile = undefined
      throw error
    }
  }

  /** Stop the recording in progress mid-call: the file is finished (undefined when nothing was recorded). */
  async stopRecording(): Promise<RecordingResult | undefined> {
    const recording = this.#recording
    this.#recording = undefined
    this.#recordingFile = undefined
    const result = await (await recording)?.stop(false)
    if (result) this.#recorded = result
    return result
  }

  /** The streams of the call that flow, with their formats: what the recording has tracks for. */
  #recordedTracks(call: ActiveCall, formats: ReturnType<typeof callFormats>): Partial<Record<RecordedStream, StreamFormat>> {
    const tracks: Partial<Record<RecordedStream, StreamFormat>> = {}
    const [width, height] = (this.plan.video?.size ?? '0x0').split('x').map(Number)
    const sentVideo = formats.video?.send
    if (this.#senders.has('video') && sentVideo) tracks['sent-video'] = {format: sentVideo, width, height}
    const receivedVideo = formats.video?.receive
    if (this.#receivers.has('video') && receivedVideo) tracks['received-video'] = {format: receivedVideo, width: call.remote.video?.width, height: call.remote.video?.height}
    if (this.#senders.has('audio') && formats.audio?.send) tracks['sent-audio'] = {format: formats.audio.send}
    if (this.#receivers.has('audio') && formats.audio?.receive) tracks['received-audio'] = {format: formats.audio.receive}
    return tracks
  }

  async controlReady(): Promise<void> {
    await this.#control!.firstEvent('ready', COMPONENT_START_MS)
  }

  /** `listener` hears of each receiver's first frame, with the ms since set-up began. */
  onFirstFrame(listener: (kind: MediaKind, setupMs: number) => void): void {
    this.#firstFrameListeners.push(listener)
  }

  /** The peer says it sends `kind` (on) or has it off (control.peer-media): see MediaFlow. */
  peerSends(kind: MediaKind, on: boolean): void {
    this.#flow.peerSends(kind, on)
    this.#flowChanged()
  }

  /** Resolves once media is up (MediaFlow: each receiver's first frame, or the peer has that medium off), or after `timeoutMs` anyway. */
  async mediaFlowing(timeoutMs = 5000): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = this.clock.setTimeout(resolve, timeoutMs)
      this.#flowChanged = () => {
        if (!this.#flow.up) return
        this.clock.clearTimeout(timer)
        resolve()
      }

      this.#flowChanged()
    })
    this.#flowChanged = () => undefined
  }

  /** Stop everything; returns what each receiver reported last (its summary). */
  async stop(): Promise<MediaSummaries> {
    await this.#started?.catch(() => undefined)
    await this.#releaseAll()
    const all = [...this.#senders.values(), ...this.#receivers.values(), ...(this.#control ? [this.#control] : [])]
    const exits = await Promise.all(all.map((component) => this.supervisor.stop(component)))
    const summaries: MediaSummaries = this.#setupMs === undefined ? {} : {setupMs: this.#setupMs}
    summaries.components = exits.map(({name, code, signal}) => ({name, code, signal}))
    for (const [kind, receiver] of this.#receivers) {
      // The receiver's summary, its last line: checked like every event it printed (src/bus/messages.ts).
      const last = mediaStatsSchema.safeParse(receiver.lastEvent())
      if (last.success && last.data.role === 'receiver') summaries[kind] = last.data
    }

    // The components have stopped: a recorder still on has all their frames, and finishes the file.
    const recording = this.#recording
    this.#recording = undefined
    this.#recordingFile = undefined
    const last = await (await recording?.catch(() => undefined))?.stop(true)
    if (last) this.#recorded = last
    if (this.#recorded) summaries.recording = this.#recorded
    if (this.#recordDirectory) await rm(this.#recordDirectory, {recursive: true, force: true})
    this.#senders.clear()
    this.#receivers.clear()
    this.#control = undefined
    return summaries
  }

  #startReceiver(kind: MediaKind, port: number, peer: string): void {
    const plan = this.plan[kind]
    if (!plan) return
    // The video receiver names the peer: its window's title, and the still it shows while the peer has video off.
    const named = kind === 'video' ? ['--peer', peer] : []
    const receiver = this.#start(`${kind} receiver`, [`stream-${kind}`, '--listen', '--port', String(port), '--bind', this.context.bind, '--sink', plan.sink, ...named, ...this.#warmCodec(kind), '--await-start', ...this.#common()], port)
    this.#receivers.set(kind, receiver)
    const arrived = new Promise<void>((resolve) => receiver.onEvent((event) => event.event === 'first-frame' && resolve()))
    this.#flow.expect(kind)
    void arrived.then(() => {
      this.#flow.firstFrame(kind)
      this.#flowChanged()
      const setupMs = Math.round(this.clock.now() - this.setupFrom)
      this.#setupMs ??= setupMs
      for (const listener of this.#firstFrameListeners) listener(kind, setupMs)
    })
  }

  #startSender(kind: MediaKind): void {
    let media: string[]
    if (kind === 'video') {
      const plan = this.plan.video
      if (!plan) return
      media = ['--source', plan.source, '--size', plan.size, '--fps', String(plan.fps), '--quality', String(plan.quality), '--connections', String(plan.connections), ...(plan.selfView ? ['--self-view', '--self-view-sink', plan.selfView] : []), ...this.#warmCodec(kind)]
    } else {
      const plan = this.plan.audio
      if (!plan) return
      media = ['--source', plan.source, '--frequency', String(plan.frequency), '--connections', String(plan.connections), ...this.#warmCodec(kind)]
    }

    this.#senders.set(kind, this.#start(`${kind} sender`, [`stream-${kind}`, '--await-start', ...media, ...this.#common()]))
  }

  /**
   * A component loads the codec of our best format while the call is agreed (H.264 and Opus: node-av, a quarter of a
   * second); the start line's format, when it is another, is loaded then.
   */
  #warmCodec(kind: MediaKind): string[] {
    const best = this.plan[kind]?.formats[0]
    if (best === undefined) return []
    return ['--codec', kind === 'audio' ? AUDIO_FORMATS[best as AudioFormat].codec : VIDEO_FORMATS[best as VideoFormat].codec]
  }

  #drop(components: Map<MediaKind, Component>, kind: MediaKind): void {
    void this.supervisor.stop(components.get(kind)!)
    components.delete(kind)
  }

  /**
   * The bus address goes in the environment, not on the command line: it may carry the user's Redis password
   * (docs/bus.md, "A shared Redis"), and any local user can read a command line (ps), but not the environment.
   */
  #start(name: string, args: string[], port?: number): Component {
    const reserved = port === undefined ? undefined : this.#reserved.get(port)
    // Every call's components get the directory: a recording may start at any time during the call.
    this.#recordDirectory ??= mkdtempSync(join(tmpdir(), 'ivc-record-'))
    const env: Record<string, string> = {IVC_REDIS: this.context.redis, [RECORD_SOCKETS_ENV]: this.#recordDirectory}
    const component = this.supervisor.start(name, args, {env, listenFd: reserved?.fd})
    // The component has its own copy of the socket now (or failed to start, and the port is of no use).
    if (reserved) {
      this.#reserved.delete(port!)
      void reserved.release()
    }

    return component
  }

  /** Open a port for the offer; if that fails, the ones opened before it close too (the offer is abandoned). */
  async #reserve(): Promise<number> {
    let reserved: ReservedPort
    try {
      reserved = await reservePort(this.context.bind)
    } catch (error) {
      await this.#releaseAll()
      throw error
    }

    this.#reserved.set(reserved.port, reserved)
    return reserved.port
  }

  async #releaseAll(): Promise<void> {
    const all = [...this.#reserved.values()]
    this.#reserved.clear()
    await Promise.all(all.map((reserved) => reserved.release()))
  }

  #common(): string[] {
    return ['--call-id', this.callId, '--json', ...this.#context()]
  }

  #stall(): string[] {
    return this.context.stallTimeoutS === undefined ? [] : ['--stall-timeout', String(this.context.stallTimeoutS)]
  }

  #context(): string[] {
    return ['--user', this.context.user, '--log-level', this.context.logLevel]
  }
}

const KINDS = ['video', 'audio'] as const
