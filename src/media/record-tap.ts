import {existsSync} from 'node:fs'
import {createConnection, type Socket} from 'node:net'
import {join} from 'node:path'

import {type Clock, realClock} from '../foundation/clock.js'
import {encodeHeader, FLAG_KEY_FRAME} from '../protocol/media-message.js'

/** The four streams of a recorded call, each handed to the recorder on a socket of its own. */
export type RecordedStream = 'sent-video' | 'sent-audio' | 'received-video' | 'received-audio'
export const RECORDED_STREAMS: readonly RecordedStream[] = ['sent-video', 'sent-audio', 'received-video', 'received-audio']

/** The environment variable a call sets for its media components: the directory where a recorder's sockets appear. */
export const RECORD_SOCKETS_ENV = 'IVC_RECORD_SOCKETS'

/** A component's frames held for the recorder beyond this are dropped (the recorder gone slow): bounded memory. */
const MAX_BACKLOG_BYTES = 16 * 1024 * 1024
/** While no recorder listens, a tap looks for its socket at most this often (at a frame): cheap, and prompt enough. */
const LOOK_EVERY_US = 250_000

export function recordSocketPath(directory: string, stream: RecordedStream): string {
  return join(directory, `${stream}.sock`)
}

/**
 * One stream's encoded frames, handed as they are to the call's recorder (call/recording.ts; docs/protocol.md,
 * "Recording sockets"): each a media message (the lanes' header, type `frame`, the key-frame flag) whose time field is
 * the frame's capture instant on this host's monotonic clock. A recording starts and stops during the call, so the tap
 * looks for the recorder's socket at a frame (at most every LOOK_EVERY_US), connects when it is there, and goes back to
 * looking when the recorder closes it; `onConnect` hears each new connection (a video stream then wants a keyframe, so
 * the recording starts with one). Unlike the ui's socket it keeps every frame, up to a bounded backlog.
 */
export class RecordTap {
  #socket: Socket | undefined
  #lookedUs: number | undefined
  #closed = false
  #dropped = 0
  #onConnect: () => void = () => undefined

  constructor(
    private readonly path: string,
    private readonly clock: Clock = realClock,
  ) {}

  /** Frames not handed to a recorder that was there (too far behind). */
  get dropped(): number {
    return this.#dropped
  }

  /** Called each time a recorder takes this stream (a recording starts). */
  onConnect(listener: () => void): void {
    this.#onConnect = listener
  }

  frame(seq: number, captureUs: number, key: boolean, payload: Buffer): void {
    const socket = this.#connect()
    if (!socket) return
    if (socket.writableLength > MAX_BACKLOG_BYTES) {
      this.#dropped++
      return
    }

    socket.write(encodeHeader({type: 'frame', flags: key ? FLAG_KEY_FRAME : 0, seq, captureUs: Math.max(0, Math.round(captureUs)), senderDelayUs: 0, payloadLength: payload.length}))
    socket.write(payload)
  }

  /** Ends the stream for good (the component stops): the recorder knows this stream is whole. */
  close(): void {
    this.#closed = true
    this.#socket?.end()
  }

  /** The recorder's connection (writes wait in it while it connects), or none while no recorder listens. */
  #connect(): Socket | undefined {
    if (this.#socket || this.#closed) return this.#socket
    const nowUs = this.clock.monotonicUs()
    if (this.#lookedUs !== undefined && nowUs - this.#lookedUs < LOOK_EVERY_US) return undefined
    this.#lookedUs = nowUs
    if (!existsSync(this.path)) return undefined
    const socket = createConnection(this.path)
    socket.on('connect', () => this.#onConnect())
    // The recorder gone costs the call nothing but the recording; the tap looks for the next one.
    socket.on('error', () => socket.destroy())
    socket.on('close', () => {
      if (this.#socket === socket) this.#socket = undefined
    })
    this.#socket = socket
    return socket
  }
}

/** The tap of `stream` of a call's media component (RECORD_SOCKETS_ENV set by the call); none for a standalone stream. */
export function recordTapFromEnv(stream: RecordedStream, env: NodeJS.ProcessEnv = process.env, clock: Clock = realClock): RecordTap | undefined {
  const directory = env[RECORD_SOCKETS_ENV]
  return directory ? new RecordTap(recordSocketPath(directory, stream), clock) : undefined
}
