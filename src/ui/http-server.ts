import {randomBytes, timingSafeEqual} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {fileURLToPath} from 'node:url'

import {type WebSocket, WebSocketServer} from 'ws'

import {MAX_PAGE_MESSAGE_BYTES} from './page-protocol.js'

/** The page as `npm run build` bundled it (scripts/bundle-page.mjs): nothing else is ever served. */
export const PAGE_DIR = fileURLToPath(new URL('../page/', import.meta.url))
const ASSETS: Record<string, {file: string; type: string}> = {
  '/': {file: 'index.html', type: 'text/html; charset=utf-8'},
  '/app.js': {file: 'app.js', type: 'text/javascript; charset=utf-8'},
  '/audio-worklet.js': {file: 'audio-worklet.js', type: 'text/javascript; charset=utf-8'},
  '/app.css': {file: 'app.css', type: 'text/css; charset=utf-8'},
  // Named by the page, so the browser does not ask for /favicon.ico (without the token, a 403 in its console).
  '/favicon.svg': {file: 'favicon.svg', type: 'image/svg+xml'},
}

export interface UiServer {
  /** The URL to open, with the per-run token. */
  url: string
  port: number
  close(): Promise<void>
}

/**
 * The ui's web server: loopback only, and every request and the WebSocket must carry the per-run token of the
 * printed URL, so another local user (or a web page in the person's own browser) cannot drive the user's calls.
 * The Host header must be the loopback address (no DNS rebinding), the WebSocket's Origin the page's own, and the
 * page runs under a Content-Security-Policy that allows only its own script and style and its own WebSocket.
 */
export async function startUiServer(options: {port: number; onSocket: (socket: WebSocket) => void; pageDir?: string}): Promise<UiServer> {
  const token = randomBytes(24).toString('hex')
  const pageDir = options.pageDir ?? PAGE_DIR
  const wss = new WebSocketServer({noServer: true, maxPayload: MAX_PAGE_MESSAGE_BYTES})
  let origin = ''
  const server: Server = createServer((request, response) => {
    void serveAsset(request, response).catch(() => respond(response, 500, 'internal error'))
  })

  const serveAsset = async (request: IncomingMessage, response: ServerResponse) => {
    const url = requestUrl(request)
    if (!url || request.headers.host !== hostOf(origin)) return respond(response, 421, 'wrong host')
    if (!tokenMatches(url.searchParams.get('token'), token)) return respond(response, 403, 'missing or wrong token: open the URL ivc ui printed')
    if (request.method !== 'GET' && request.method !== 'HEAD') return respond(response, 405, 'method not allowed')
    const asset = Object.hasOwn(ASSETS, url.pathname) ? ASSETS[url.pathname] : undefined
    if (!asset) return respond(response, 404, 'not found')
    let body = await readFile(`${pageDir}${asset.file}`)
    // The page's own links carry the token too; it is hex, so it is safe anywhere in the HTML.
    if (asset.file === 'index.html') body = Buffer.from(body.toString('utf8').replaceAll('{{token}}', token))
    response.writeHead(200, {...SECURITY_HEADERS, 'Content-Security-Policy': contentSecurityPolicy(origin), 'Content-Type': asset.type, 'Content-Length': body.length})
    response.end(request.method === 'HEAD' ? undefined : body)
  }

  server.on('upgrade', (request, socket, head) => {
    const url = requestUrl(request)
    const allowed = url?.pathname === '/ws' && request.headers.host === hostOf(origin) && request.headers.origin === origin && tokenMatches(url.searchParams.get('token'), token)
    if (!allowed) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }

    wss.handleUpgrade(request, socket, head, (ws) => options.onSocket(ws))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, '127.0.0.1', () => resolve())
  })
  const {port} = server.address() as AddressInfo
  origin = `http://127.0.0.1:${port}`
  return {
    url: `${origin}/?token=${token}`,
    port,
    close: async () => {
      for (const client of wss.clients) client.terminate()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

const SECURITY_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
}

/** The page's own script, style and WebSocket, pictures it draws itself, and nothing else. */
export function contentSecurityPolicy(origin: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob:",
    `connect-src ws://${hostOf(origin)}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

function hostOf(origin: string): string {
  return origin.replace(/^http:\/\//, '')
}

function requestUrl(request: IncomingMessage): URL | undefined {
  try {
    return new URL(request.url ?? '/', 'http://127.0.0.1')
  } catch {
    return undefined
  }
}

function tokenMatches(given: string | null, token: string): boolean {
  const expected = Buffer.from(token)
  const actual = Buffer.from(given ?? '')
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

function respond(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, {...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8'})
  response.end(`${text}\n`)
}
