import {chmod, mkdtemp, rm} from 'node:fs/promises'
import {createServer, type Server, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {Logger} from '../foundation/logger.js'
import {UI_STREAMS, type UiStream, uiSocketPath} from '../plugins/ui-socket.js'
import {MediaMessageDecoder} from '../protocol/media-message.js'
import {DEFAULT_MAX_FRAME_BYTES} from '../transport/media-receiver.js'

/** One frame from a call's component: its payload (JPEG or PCM), seq, and when it was handed over (host µs). */
export interface RelayedFrame {
  stream: UiStream
  seq: number
  handedUs: number
  payload: Buffer
}

export interface FrameRelay {
  /** The directory of the sockets (IVC_UI_SOCKETS of the listen this process starts). */
  directory: string
  close(): Promise<void>
}

/**
 * The local sockets a call's components hand the page's media to (plugins/ui-socket.ts): one Unix socket a stream
 * (the peer's video, one's own self-view, the peer's audio) in a directory only this user can enter, media messages
 * on each (the lanes' decoder, bounded as the lanes are), every frame given to `onFrame` as it arrives. A connection
 * that sends anything else is closed.
 */
export async function startFrameRelay(options: {onFrame: (frame: RelayedFrame) => void; logger: Logger}): Promise<FrameRelay> {
  const directory = await mkdtemp(join(tmpdir(), 'ivc-ui-'))
  await chmod(directory, 0o700)
  const servers: Server[] = []
  // Every connection still open, so close() need not wait for the components to go.
  const sockets = new Set<Socket>()
  const close = async () => {
    const closed = Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))))
    for (const socket of sockets) socket.destroy()
    await closed
    await rm(directory, {recursive: true, force: true})
  }

  try {
    for (const stream of UI_STREAMS) servers.push(await listen(uiSocketPath(directory, stream), stream, sockets, options))
  } catch (error) {
    await close()
    throw error
  }

  return {directory, close}
}

async function listen(path: string, stream: UiStream, sockets: Set<Socket>, options: {onFrame: (frame: RelayedFrame) => void; logger: Logger}): Promise<Server> {
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    const decoder = new MediaMessageDecoder(DEFAULT_MAX_FRAME_BYTES[stream === 'audio' ? 'audio' : 'video'])
    socket.on('data', (chunk) => {
      const step = decoder.push(chunk)
      for (const message of step.messages) if (message.type === 'frame') options.onFrame({stream, seq: message.seq, handedUs: message.captureUs, payload: message.payload})
      if (step.error) {
        options.logger.warn(`ui: the ${stream} socket got a bad message (${step.error}); closing it`)
        socket.destroy()
      }
    })
    socket.on('error', () => socket.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => resolve())
  })
  return server
}
