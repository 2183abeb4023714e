import type {WebSocket} from 'ws'

import type {Directory} from '../directory/types.js'
import {type Clock, realClock} from '../foundation/clock.js'
import type {Logger} from '../foundation/logger.js'
import {openAccount} from './account.js'
import {UI_SOCKETS_ENV} from '../plugins/ui-socket.js'
import {startFrameRelay} from './frame-relay.js'
import {startUiServer, type UiServer} from './http-server.js'
import {PageFeed} from './page-feed.js'
import {PageLatency} from './page-latency.js'
import {encodePageMediaHeader} from './page-media.js'
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
  clock?: Clock
}

export interface RunningUi {
  url: string
  server: UiServer
  session: UiSession
  /** What the page path added to the peer's video over the run. */
  pageLatency: PageLatency
  close(): Promise<void>
}

/** `ivc ui`: the user's call component (reused or started), the session over the bus, and the page's server. */
export async function startUi(options: UiOptions): Promise<RunningUi> {
  const {logger} = options
  const clock = options.clock ?? realClock
  const pages = new Map<WebSocket, PageFeed>()
  const pageLatency = new PageLatency(clock)
  // The call's media, as the user's components hand it over, to every page that can take it now (ui/page-feed.ts).
  const relay = await startFrameRelay({
    logger,
    onFrame: (frame) => {
      const message = Buffer.concat([encodePageMediaHeader(frame), frame.payload])
      for (const [page, feed] of pages) if (feed.offer(frame.stream, page.bufferedAmount)) page.send(message, {binary: true})
    },
  })
  const open = (user: string) => openAccount({user, redis: options.redis, listenArgs: options.listenArgs, listenEnv: {[UI_SOCKETS_ENV]: relay.directory}, logger})
  let session: UiSession
  let server: UiServer
  try {
    session = await UiSession.start({account: await open(options.user), openAccount: open, directory: options.directory, logger, pageLatency})
  } catch (error) {
    await relay.close()
    throw error
  }

  try {
    server = await startUiServer({
      port: options.port,
      onSocket: (socket) => {
        const feed = new PageFeed(clock)
        attachPage(socket, session, feed, logger)
        pages.set(socket, feed)
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
    pageLatency,
    close: async () => {
      await server.close()
      await session.close()
      await relay.close()
    },
  }
}

/** One page's WebSocket: what it sends is decoded at this boundary, what the session says goes back as JSON. */
function attachPage(socket: WebSocket, session: UiSession, feed: PageFeed, logger: Logger): void {
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

    if (decoded.value.type === 'taken') feed.taken(decoded.value.stream)
    void session.handle(decoded.value, send)
  })
  socket.on('close', detach)
  socket.on('error', () => socket.terminate())
}
