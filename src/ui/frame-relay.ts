import {mkdtemp, rm} from 'node:fs/promises'
import {createServer, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {Logger} from '../foundation/logger.js'
import {MediaMessageDecoder} from '../protocol/media-message.js'
import {DEFAULT_MAX_FRAME_BYTES} from '../transport/media-receiver.js'

export interface FrameRelay {
  /** Where the ui video sink connects (IVC_UI_VIDEO_SOCKET of the listen this process starts). */
  path: string
  close(): Promise<void>
}

/**
 * The local socket the user's video receiver hands its frames to (plugins/video/ui-sink.ts): a Unix socket in a
 * directory only this user can enter, media messages on it (the lanes' decoder, bounded as the lanes are), each
 * frame's JPEG given to `onFrame` as it arrives. A connection that sends anything else is closed.
 */
export async function startFrameRelay(options: {onFrame: (jpeg: Buffer, seq: number) => void; logger: Logger}): Promise<FrameRelay> {
  const dir = await mkdtemp(join(tmpdir(), 'ivc-ui-'))
  const path = join(dir, 'video.sock')
  const server: Server = createServer((socket) => {
    const decoder = new MediaMessageDecoder(DEFAULT_MAX_FRAME_BYTES.video)
    socket.on('data', (chunk) => {
      const step = decoder.push(chunk)
      for (const message of step.messages) if (message.type === 'frame') options.onFrame(message.payload, message.seq)
      if (step.error) {
        options.logger.warn(`ui: video sink sent a bad message (${step.error}); closing it`)
        socket.destroy()
      }
    })
    socket.on('error', () => socket.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => resolve())
  })
  return {
    path,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await rm(dir, {recursive: true, force: true})
    },
  }
}
