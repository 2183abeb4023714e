import {createConnection, type Socket} from 'node:net'
import {join} from 'node:path'

import {encodeHeader, FLAG_KEY_FRAME} from '../protocol/media-message.js'

/** The four streams of a recorded call, each handed to the recorder on a socket of its own. */
export type RecordedStream = 'sent-video' | 'sent-audio' | 'received-video' | 'received-audio'
export const RECORDED_STREAMS: readonly RecordedStream[] = ['sent-video', 'sent-audio', 'received-video', 'received-audio']

/** The environment variable a recording call sets for its components: the directory of the recorder's sockets. */
export const RECORD_SOCKETS_ENV = 'IVC_RECORD_SOCKETS'

/** A component's frames held for the recorder beyond this are dropped (the recorder gone slow): bounded memory. */
const MAX_BACKLOG_BYTES = 16 * 1024 * 1024

export function recordSocketPath(directory: string, stream: RecordedStream): string {
  return join(directory, `${stream}.sock`)
}

/**
 * One stream's encoded frames, handed as they are to the call's recorder (call/recording.ts; docs/protocol.md,
 * "Recording sockets"): each a media message (the lanes' header, type `frame`, the key-frame flag) whose time field is
 * the frame's capture instant on this host's monotonic clock. Unlike the ui's socket it keeps every frame (a recording
 * has no use for the newest alone), up to a bounded backlog. It connects on the first frame; the socket holds what is
 * written before it is connected. Without the recorder (gone, or never there) nothing is written.
 */
export class RecordTap {
  #socket: Socket | undefined
  #broken = false
  #dropped = 0

  constructor(private readonly path: string) {}

  /** Frames not handed over (the recorder gone, or too far behind). */
  get dropped(): number {
    return this.#dropped
  }

  frame(seq: number, captureUs: number, key: boolean, payload: Buffer): void {
    const socket = this.#connect()
    if (this.#broken || socket.writableLength > MAX_BACKLOG_BYTES) {
      this.#dropped++
      return
    }

    socket.write(encodeHeader({type: 'frame', flags: key ? FLAG_KEY_FRAME : 0, seq, captureUs: Math.max(0, Math.round(captureUs)), senderDelayUs: 0, payloadLength: payload.length}))
    socket.write(payload)
  }

  /** Ends the stream: the recorder knows this stream is whole. */
  close(): void {
    this.#socket?.end()
  }

  #connect(): Socket {
    if (this.#socket) return this.#socket
    const socket = createConnection(this.path)
    // The recorder gone costs the call nothing but the recording.
    socket.on('error', () => (this.#broken = true))
    socket.on('close', () => (this.#broken = true))
    this.#socket = socket
    return socket
  }
}

/** The tap of `stream` when this component belongs to a recorded call (RECORD_SOCKETS_ENV set); otherwise none. */
export function recordTapFromEnv(stream: RecordedStream, env: NodeJS.ProcessEnv = process.env): RecordTap | undefined {
  const directory = env[RECORD_SOCKETS_ENV]
  return directory ? new RecordTap(recordSocketPath(directory, stream)) : undefined
}
