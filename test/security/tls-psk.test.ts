import {once} from 'node:events'
import {connect, createServer, type Socket} from 'node:net'

import {describe, expect, it} from 'vitest'

import {encodeHello, type Hello} from '../../src/protocol/media-handshake.js'
import {HandshakeError, pskFor, type SecureContext, secureClient, secureServer} from '../../src/security/tls-psk.js'
import {closeAfterEach} from '../support/closers.js'

const HELLO: Hello = {kind: 'video', streamId: 7, connectionIndex: 0, connectionCount: 2, security: 'tls'}
const MEDIA: SecureContext = {purpose: 'media', hello: encodeHello(HELLO)}

const closers = closeAfterEach()

/** A TCP server whose every connection runs secureServer with `secret`; results in order of arrival. */
async function tlsServer(secret: string, timeoutMs = 2000) {
  const results: Array<Promise<Socket>> = []
  const server = createServer((socket) => {
    socket.on('error', () => {})
    const secured = secureServer(socket, secret, MEDIA, timeoutMs)
    secured.catch(() => {})
    results.push(secured)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  closers.push(() => new Promise((resolve) => server.close(resolve)))
  const port = (server.address() as {port: number}).port
  const dial = async () => {
    const socket = connect(port, '127.0.0.1')
    socket.on('error', () => {})
    await once(socket, 'connect')
    closers.push(() => socket.destroy())
    return socket
  }

  return {results, dial}
}

describe('TLS keyed by a shared secret', () => {
  it('derives one key per purpose and per media hello, so no two uses share one', () => {
    const secret = 's3cret-s3cret-s3cret'
    const otherHello: SecureContext = {purpose: 'media', hello: encodeHello({...HELLO, streamId: 8})}
    expect(pskFor(secret, MEDIA)).toHaveLength(32)
    const keys = [pskFor(secret, MEDIA), pskFor(secret, {purpose: 'control'}), pskFor('s3cret-s3cret-s3creT', MEDIA), pskFor(secret, otherHello)]
    expect(new Set(keys.map((key) => key.toString('hex'))).size).toBe(4)
  })

  it('connects two ends that hold the same secret over TLS 1.3 and carries bytes both ways', async () => {
    const server = await tlsServer('s3cret-s3cret-s3cret')
    const client = await secureClient(await server.dial(), 's3cret-s3cret-s3cret', MEDIA, 2000)
    const far = await server.results[0]
    expect(client.getProtocol()).toBe('TLSv1.3')
    client.write('ping')
    expect(String((await once(far, 'data'))[0])).toBe('ping')
    far.write('pong')
    expect(String((await once(client, 'data'))[0])).toBe('pong')
    client.destroy()
  })

  it('refuses another secret, another purpose or another hello on both ends, in one line', async () => {
    const contexts: Array<[string, SecureContext]> = [
      ['s3cret-s3cret-s3creT', MEDIA],
      ['s3cret-s3cret-s3cret', {purpose: 'control'}],
      ['s3cret-s3cret-s3cret', {purpose: 'media', hello: encodeHello({...HELLO, connectionIndex: 1})}],
    ]
    for (const [secret, context] of contexts) {
      const server = await tlsServer('s3cret-s3cret-s3cret')
      const error = await secureClient(await server.dial(), secret, context, 2000).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(HandshakeError)
      expect((error as HandshakeError).kind).toBe('refused')
      expect((error as Error).message).not.toContain('\n')
      await expect(server.results[0]).rejects.toBeInstanceOf(HandshakeError)
    }
  })

  it('gives up on a peer that never speaks TLS, within the bound', async () => {
    const server = await tlsServer('s3cret-s3cret-s3cret', 200)
    const silent = await server.dial()
    await expect(server.results[0]).rejects.toMatchObject({kind: 'timeout', message: 'no TLS handshake within 200 ms'})
    silent.destroy()
  })

  it('refuses garbage instead of a ClientHello', async () => {
    const server = await tlsServer('s3cret-s3cret-s3cret')
    const socket = await server.dial()
    socket.write('GET / HTTP/1.1\r\n\r\n')
    await expect(server.results[0]).rejects.toMatchObject({kind: 'refused', message: expect.stringMatching(/^TLS handshake failed \(/)})
  })
})
