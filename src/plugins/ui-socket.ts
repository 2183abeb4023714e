import {createConnection, type Socket} from 'node:net'
import {join} from 'node:path'

import {realClock} from '../foundation/clock.js'
import {IvcError} from '../foundation/errors.js'
import {encodeHeader} from '../protocol/media-message.js'

/** The streams `ivc ui` takes from a call's components, each on a socket of its own in one directory. */
export type UiStream = 'video' | 'self-view' | 'audio'
export const UI_STREAMS: readonly UiStream[] = ['video', 'self-view', 'audio']

/** The environment variable `ivc ui` sets for the `ivc listen` it starts: the directory of its sockets. */
export const UI_SOCKETS_ENV = 'IVC_UI_SOCKETS'

/** Where `stream` goes in the ui process's socket directory. */
export function uiSocketPath(directory: string, stream: UiStream): string {
  return join(directory, `${stream}.sock`)
}

/** The socket of `stream` of the ivc ui this process was started for (IVC_UI_SOCKETS), or BAD_USAGE without one. */
export function uiSocketFromEnv(stream: UiStream, env: NodeJS.ProcessEnv = process.env): string {
  const directory = env[UI_SOCKETS_ENV]
  if (!directory) throw new IvcError('BAD_USAGE', `the ui ${stream === 'audio' ? 'audio sink' : stream === 'video' ? 'sink' : 'self-view'} needs the sockets of ivc ui: ${UI_SOCKETS_ENV}, which ivc ui sets`)
  return uiSocketPath(directory, stream)
}

/**
 * One stream's writer to `ivc ui` (docs/protocol.md, "The ui page"): each frame a media message (the lanes' header,
 * type `frame`) whose time field is the hand-over, this host's monotonic clock when the frame is written, so the ui
 * process measures the page path from it. A frame the socket cannot take at once is not written: the page wants the
 * newest picture and a short audio buffer, never a backlog. Without the ui process (not started, or gone) nothing is
 * written.
 */
export class UiSocket {
  readonly #socket: Socket
  #connected = false

  constructor(path: string) {
    this.#socket = createConnection(path, () => (this.#connected = true))
    // The ui process gone (or never there) costs the call nothing but what the page would show or play.
    this.#socket.on('error', () => (this.#connected = false))
    this.#socket.on('close', () => (this.#connected = false))
  }

  /** Write one frame; false when it was not written (no ui process, or its socket still busy with the last one). */
  send(seq: number, payload: Buffer): boolean {
    if (!this.#connected || this.#socket.writableNeedDrain) return false
    this.#socket.write(encodeHeader({type: 'frame', flags: 0, seq, captureUs: realClock.monotonicUs(), senderDelayUs: 0, payloadLength: payload.length}))
    this.#socket.write(payload)
    return true
  }

  close(): void {
    this.#socket.destroy()
  }
}
