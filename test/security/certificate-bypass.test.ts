import {once} from 'node:events'
import {readFileSync} from 'node:fs'
import {createServer, type Server, type Socket} from 'node:net'
import {fileURLToPath} from 'node:url'
import {TLSSocket} from 'node:tls'

import {afterEach, describe, expect, inject, it} from 'vitest'

import {encodeReply, HELLO_SIZE} from '../../src/protocol/media-handshake.js'
import {newStreamSecret} from '../../src/security/stream-secret.js'
import {killAll, runCli} from '../support/cli.js'

/**
 * The attack of issue 14, item 0: a TLS 1.3 server may ignore the offered PSK and authenticate with a certificate
 * instead. Here the server holds a certificate from a test CA that the ivc process trusts (NODE_EXTRA_CA_CERTS, as
 * any public CA is trusted by default). Every client side of ivc must refuse it and send it nothing.
 */
const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url))
const CA = fixture('ca.pem')
const redis = inject('redisUrl')

const servers: Server[] = []
afterEach(async () => {
  await killAll()
  for (const server of servers.splice(0)) server.close()
})

/**
 * A server that authenticates with the certificate: for media it first reads the cleartext hello and answers ok
 * (as a receiver does), then runs TLS; for control, TLS from the first byte. It records whether any handshake
 * completed and every byte it could read.
 */
async function certificateServer(kind: 'media' | 'control') {
  const seen = {handshakes: 0, plaintext: Buffer.alloc(0)}
  const server = createServer((socket) => {
    socket.on('error', () => undefined)
    if (kind === 'control') return startTls(socket)
    let hello = Buffer.alloc(0)
    const onData = (chunk: Buffer) => {
      hello = Buffer.concat([hello, chunk])
      if (hello.length < HELLO_SIZE) return
      socket.off('data', onData)
      socket.pause()
      socket.write(encodeReply('ok'))
      startTls(socket)
    }

    socket.on('data', onData)
  })
  const startTls = (socket: Socket) => {
    const tls = new TLSSocket(socket, {isServer: true, minVersion: 'TLSv1.3', key: readFileSync(fixture('server.key')), cert: readFileSync(fixture('server.pem'))})
    tls.on('error', () => undefined)
    tls.on('secure', () => {
      seen.handshakes++
      // What an ivc receiver or control listener would answer next, to draw out frames or the auth message.
      tls.write(kind === 'media' ? encodeReply('ok') : Buffer.alloc(0))
    })
    tls.on('data', (chunk: Buffer) => (seen.plaintext = Buffer.concat([seen.plaintext, chunk])))
  }

  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {port: (server.address() as {port: number}).port, seen}
}

const trustingTheTestCa = (extra: Record<string, string>) => ({env: {NODE_EXTRA_CA_CERTS: CA, ...extra}, timeoutMs: 60_000})

describe('a server with a trusted certificate instead of the shared key', () => {
  it.each(['video', 'audio'] as const)('is refused by the %s sender (standalone or in a call): AUTH_FAILED, nothing sent', async (kind) => {
    const attacker = await certificateServer('media')
    const sender = await runCli([`stream-${kind}`, '--to', `127.0.0.1:${attacker.port}`, '--connections', '2', '--json'], trustingTheTestCa({IVC_MEDIA_SECRET: newStreamSecret()}))
    expect(sender.exitCode, sender.stderr).toBe(23)
    expect(JSON.parse(sender.stdout).error).toMatchObject({code: 'AUTH_FAILED', message: expect.stringContaining('certificate instead of the shared key')})
    expect(attacker.seen.plaintext.length).toBe(0)
  }, 120_000)

  it('is refused by a call\'s control component, which never sends it the auth message', async () => {
    const attacker = await certificateServer('control')
    const args = ['control', 'run', '--user', 'alice', '--redis', redis, '--call-id', 'c0ffee00c0ffee00', '--peer', 'bob', '--connect', `127.0.0.1:${attacker.port}`, '--json']
    const control = await runCli(args, trustingTheTestCa({IVC_CALL_SECRET: '5e'.repeat(32)}))
    expect(control.exitCode, control.stderr).toBe(23)
    expect(JSON.parse(control.stdout.trim().split('\n').at(-1)!).error.code).toBe('AUTH_FAILED')
    expect(attacker.seen.plaintext.length).toBe(0)
  }, 120_000)
})
