import {access, constants, stat} from 'node:fs/promises'
import {createServer, type Server, type Socket} from 'node:net'
import {dirname, resolve} from 'node:path'

import type {Clock} from '../foundation/clock.js'
import {IvcError} from '../foundation/errors.js'
import type {Logger} from '../foundation/logger.js'
import {RECORDED_STREAMS, type RecordedStream, recordSocketPath} from '../media/record-tap.js'
import {isVideoFormat, VIDEO_FORMATS} from '../media/video/formats.js'
import {FLAG_KEY_FRAME, MediaMessageDecoder} from '../protocol/media-message.js'
import {DEFAULT_MAX_FRAME_BYTES} from '../transport/media-receiver.js'
import {loadNodeAv} from '../plugins/native.js'
import {h264ParameterSets, MatroskaWriter, type RecordedTrack} from '../plugins/matroska-writer.js'

/** A track of the call as the call agreed it: a stream's format, and a video stream's size. */
export type StreamFormat = {format: string; width?: number; height?: number}

/** What a finished recording reports (the summary's `recording`). */
export interface RecordingResult {
  file: string
  /** ms from the first frame to the end of the last one: the span the file covers. */
  durationMs: number
  streams: RecordedStream[]
}

/** How long the recorder waits for an H.264 stream's first keyframe (its header needs it) before it leaves it out. */
const KEYFRAME_WAIT_US = 3_000_000
/** Whether a stream's frames decode only from a keyframe on (H.264, VP8). */
const interFrame = (format: string): boolean => isVideoFormat(format) && VIDEO_FORMATS[format].interFrame
/** How long, at the end, the recorder waits for the components' sockets to close after they were stopped. */
const DRAIN_MS = 5000

/** The recordings open in this process: a shutdown finishes them (finishRecordings) even when its teardown gave up. */
const openRecordings = new Set<CallRecording>()

/** Shutdown: every recording still open is finished (its trailer written), as at the end of its call. */
export async function finishRecordings(): Promise<void> {
  await Promise.all([...openRecordings].map((recording) => recording.stop(true)))
}

type Pending = {stream: RecordedStream; captureUs: number; key: boolean; payload: Buffer}

/**
 * A call's recording (`ivc call --record FILE`, `ivc control record start FILE`): one Matroska file of both directions' video and audio, as they were
 * coded, no re-encode. The four media components hand their frames to it over Unix sockets in a directory only this
 * user can enter (media/record-tap.ts): senders as they send them, receivers as they arrive, stamped with their capture
 * on this host's clock (a received frame's mapped through the receiver's one-way delay estimate). The file's time
 * starts at the first frame. An inter-frame track (H.264, VP8) starts at its stream's first keyframe, the frames before
 * it having nothing to decode from, and an H.264 track's header needs that keyframe's parameter sets: so the file is
 * opened once each such stream has sent a keyframe (frames meanwhile are held), or, after KEYFRAME_WAIT_US, without
 * the ones that have not. node-av loads only here, only when recording. `stop` (at the call's end, after the
 * components' sockets close; or mid-call) writes the trailer, so the file has its duration and cues.
 */
export class CallRecording {
  readonly #servers: Server[] = []
  readonly #sockets = new Set<Socket>()
  #tracks: Partial<Record<RecordedStream, StreamFormat>> | undefined
  #order: RecordedStream[] = []
  #pending: Pending[] = []
  /** The inter-frame streams whose first keyframe came, with its parameter sets for H.264 (empty for VP8). */
  readonly #keyframed = new Map<RecordedStream, Buffer>()
  #writer: MatroskaWriter | undefined
  #opening: Promise<void> | undefined
  #writing: Promise<void> = Promise.resolve()
  #startUs: number | undefined
  #failed: Error | undefined
  #stopped: Promise<RecordingResult | undefined> | undefined

  private constructor(
    readonly file: string,
    readonly directory: string,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  /**
   * Check that `file` can be written (RECORD_FAILED otherwise) and listen for the components in `directory`, the call's
   * (media-session.ts; its taps connect when the sockets appear).
   */
  static async open(file: string, directory: string, logger: Logger, clock: Clock): Promise<CallRecording> {
    const path = resolve(file)
    await checkRecordable(path)
    const recording = new CallRecording(path, directory, logger, clock)
    try {
      for (const stream of RECORDED_STREAMS) recording.#servers.push(await recording.#listen(stream))
    } catch (error) {
      await recording.#closeSockets()
      throw error
    }

    openRecordings.add(recording)
    return recording
  }

  /** The call is agreed: the streams it has and their formats. Frames of other streams (or before this) are ignored. */
  begin(tracks: Partial<Record<RecordedStream, StreamFormat>>): void {
    this.#tracks = tracks
  }

  /**
   * The rest of the frames, then the trailer. Undefined when nothing was recorded. After the components have stopped
   * (`componentsStopped`, the call's end) it takes all their frames; mid-call (`ivc control record stop`) it takes
   * what has arrived and closes the sockets, and the taps go back to looking for a recorder. Once: a second call (the
   * process shutting down while the call's teardown finishes the file) waits for the first.
   */
  stop(componentsStopped: boolean): Promise<RecordingResult | undefined> {
    this.#stopped ??= this.#finish(componentsStopped).finally(() => openRecordings.delete(this))
    return this.#stopped
  }

  async #finish(componentsStopped: boolean): Promise<RecordingResult | undefined> {
    if (componentsStopped) {
      // A component that sent its last frames and exited may have left its connection in the listening socket's
      // backlog: a whole turn of the event loop (two timer phases have a poll phase between them) accepts it, so its
      // frames are waited for below, not cut off.
      for (let turn = 0; turn < 2; turn++) await new Promise<void>((resolve) => this.clock.setTimeout(resolve, 0))
      await this.#drained()
    }

    await this.#closeSockets()
    if (!this.#writer && this.#pending.length > 0) await this.#open()
    await this.#opening
    await this.#writing
    const writer = this.#writer
    if (!writer) {
      if (this.#failed) this.logger.warn(`the recording failed: ${this.#failed.message}`)
      return undefined
    }

    await writer.close().catch((error: Error) => this.logger.warn(`the recording could not be finished: ${error.message}`))
    const ends = writer.lastMs.map((ms, index) => (ms < 0 ? 0 : ms + (this.#order[index].endsWith('audio') ? 20 : 0)))
    return {file: this.file, durationMs: Math.max(0, ...ends), streams: this.#order}
  }

  #frame(stream: RecordedStream, captureUs: number, key: boolean, payload: Buffer): void {
    const format = this.#tracks?.[stream]
    if (!format || this.#failed) return
    if (interFrame(format.format) && !this.#keyframed.has(stream)) {
      // Frames before the stream's first keyframe cannot be decoded; H.264's header needs that keyframe's SPS and PPS.
      if (!key) return
      const sets = format.format === 'h264' ? h264ParameterSets(payload) : Buffer.alloc(0)
      if (format.format === 'h264' && sets.length === 0) return
      this.#keyframed.set(stream, sets)
    }

    this.#startUs ??= captureUs
    if (this.#writer) {
      this.#write(stream, captureUs, key, payload)
      return
    }

    this.#pending.push({stream, captureUs, key, payload})
    if (!this.#opening && (this.#allKeyed() || captureUs - this.#startUs > KEYFRAME_WAIT_US)) void this.#open()
  }

  #allKeyed(): boolean {
    return Object.entries(this.#tracks ?? {}).every(([stream, format]) => !interFrame(format.format) || this.#keyframed.has(stream as RecordedStream))
  }

  #open(): Promise<void> {
    this.#opening ??= (async () => {
      const tracks: RecordedTrack[] = []
      for (const stream of RECORDED_STREAMS) {
        const track = this.#track(stream)
        if (!track) continue
        this.#order.push(stream)
        tracks.push(track)
      }

      try {
        this.#writer = await MatroskaWriter.open(this.file, tracks)
        this.logger.info(`recording to ${this.file}: ${this.#order.join(', ')}`)
      } catch (error) {
        this.#failed = error as Error
        this.#pending = []
        return
      }

      for (const frame of this.#pending) this.#write(frame.stream, frame.captureUs, frame.key, frame.payload)
      this.#pending = []
    })()
    return this.#opening
  }

  #track(stream: RecordedStream): RecordedTrack | undefined {
    const format = this.#tracks?.[stream]
    if (!format) return undefined
    const {width = 0, height = 0} = format
    switch (format.format) {
      case 'h264': {
        const parameterSets = this.#keyframed.get(stream)
        return parameterSets ? {kind: 'video', format: 'h264', width, height, parameterSets} : undefined
      }

      case 'vp8':
        return this.#keyframed.has(stream) ? {kind: 'video', format: 'vp8', width, height} : undefined

      case 'mjpeg':
        return {kind: 'video', format: 'mjpeg', width, height}
      case 'opus':
      case 'pcm-s16le':
        return {kind: 'audio', format: format.format}
      default:
        // raw video: no container codec for ivc's own header; left out of the recording.
        return undefined
    }
  }

  #write(stream: RecordedStream, captureUs: number, key: boolean, payload: Buffer): void {
    const index = this.#order.indexOf(stream)
    const writer = this.#writer
    if (index < 0 || !writer) return
    const ms = (captureUs - this.#startUs!) / 1000
    this.#writing = this.#writing.then(() => writer.write(index, ms, key, payload)).catch((error: Error) => {
      this.#failed ??= error
      this.logger.warn(`a frame could not be recorded: ${error.message}`)
    })
  }

  async #listen(stream: RecordedStream): Promise<Server> {
    const server = createServer((socket) => {
      this.#sockets.add(socket)
      socket.on('close', () => this.#sockets.delete(socket))
      const decoder = new MediaMessageDecoder(DEFAULT_MAX_FRAME_BYTES[stream.endsWith('audio') ? 'audio' : 'video'])
      socket.on('data', (chunk) => {
        const step = decoder.push(chunk)
        for (const message of step.messages) if (message.type === 'frame') this.#frame(stream, message.captureUs, (message.flags & FLAG_KEY_FRAME) !== 0, message.payload)
        if (step.error) {
          this.logger.warn(`recording: the ${stream} socket got a bad message (${step.error}); closing it`)
          socket.destroy()
        }
      })
      socket.on('error', () => socket.destroy())
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(recordSocketPath(this.directory, stream), () => resolve())
    })
    return server
  }

  /** Resolves once every component's socket has closed (they were stopped), or after DRAIN_MS anyway. */
  async #drained(): Promise<void> {
    const open = [...this.#sockets].map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())))
    let timer: unknown
    await Promise.race([Promise.all(open), new Promise<void>((resolve) => (timer = this.clock.setTimeout(resolve, DRAIN_MS)))])
    this.clock.clearTimeout(timer)
  }

  async #closeSockets(): Promise<void> {
    const closed = Promise.all(this.#servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))))
    for (const socket of this.#sockets) socket.destroy()
    await closed
  }
}

/** RECORD_FAILED unless `file` can be recorded (checkRecordPath), BACKEND_MISSING without node-av, the muxer's. */
export async function checkRecordable(file: string): Promise<void> {
  await checkRecordPath(file)
  loadNodeAv()
}

/** RECORD_FAILED unless `file` can be created or overwritten: its directory exists and this user may write there. */
export async function checkRecordPath(file: string): Promise<void> {
  const path = resolve(file)
  const where = dirname(path)
  try {
    const info = await stat(where)
    if (!info.isDirectory()) throw new Error('not a directory')
    await access(where, constants.W_OK)
  } catch {
    throw new IvcError('RECORD_FAILED', `cannot record to ${path}: ${where} is not a directory this user can write to`)
  }

  const existing = await stat(path).catch(() => undefined)
  if (existing?.isDirectory()) throw new IvcError('RECORD_FAILED', `cannot record to ${path}: it is a directory`)
}
