import type {WebSocket} from 'ws'

import type {Directory} from '../directory/types.js'
import type {Logger} from '../foundation/logger.js'
import {openAccount} from './account.js'
import {startFrameRelay} from './frame-relay.js'
import {startUiServer, type UiServer} from './http-server.js'
import {decodePageRequest, type PageEvent} from './page-protocol.js'
import {UiSession} from './session.js'

export interface UiOptions {
  user: string
  redis: string
  /** The web server's port on 127.0.0.1 (0: any free one). */
  port: number
  /** The flags the user's `ivc listen` is started with, when this process starts it. */
  listenArgs: string[]
  directory: Directory
  logger: Logger
}

export interface RunningUi {
  url: string
  server: UiServer
  session: UiSession
  close(): Promise<void>
}

/** `ivc ui`: the user's call component (reused or started), the session over the bus, and the page's server. */
export async function startUi(options: UiOptions): Promise<RunningUi> {
  const {logger} = options
  const pages = new Set<WebSocket>()
  // The peer's video, as the user's receiver hands it over: to every page that has sent the last frame already
  // (one still sending drops this one, so a slow page shows the newest picture late, never a backlog).
  const relay = await startFrameRelay({
    logger,
    onFrame: (jpeg) => {
      for (const page of pages) if (page.bufferedAmount === 0) page.send(jpeg, {binary: true})
    },
  })
  const open = (user: string) => openAccount({user, redis: options.redis, listenArgs: options.listenArgs, listenEnv: {IVC_UI_VIDEO_SOCKET: relay.path}, logger})
  let session: UiSession
  let server: UiServer
  try {
    session = await UiSession.start({account: await open(options.user), openAccount: open, directory: options.directory, logger})
  } catch (error) {
    await relay.close()
    throw error
  }

  try {
    server = await startUiServer({
      port: options.port,
      onSocket: (socket) => {
        attachPage(socket, session, logger)
        pages.add(socket)
        socket.on('close', () => pages.delete(socket))
      },
    })
  } catch (error) {
    await session.close()
    await relay.close()
    throw error
  }

  return {
    url: server.url,
    server,
    session,
    close: async () => {
      await server.close()
      await session.close()
      await relay.close()
    },
  }
}

/** One page's WebSocket: what it sends is decoded at this boundary, what the session says goes back as JSON. */
function attachPage(socket: WebSocket, session: UiSession, logger: Logger): void {
  const send = (event: PageEvent) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(event))
  }

  const detach = session.attach(send)
  socket.on('message', (data, isBinary) => {
    const decoded = isBinary ? {ok: false as const, reason: 'binary message'} : decodePageRequest(data.toString())
    if (!decoded.ok) {
      logger.warn(`ui: page message refused: ${decoded.reason}`)
      send({v: 1, type: 'error', message: `refused: ${decoded.reason}`})
      return
    }

    void session.handle(decoded.value, send)
  })
  socket.on('close', detach)
  socket.on('error', () => socket.terminate())
}
