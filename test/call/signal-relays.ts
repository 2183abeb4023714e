import {once} from 'node:events'
import {connect, createServer, type Server, type Socket} from 'node:net'

import {signalCodec, type SignalMessage} from '../../src/protocol/call/signalling.js'
import {FramedConnection} from '../../src/transport/framed-connection.js'
import {helloAsCallee, helloAsCaller} from '../../src/transport/signal-hello.js'
import {tcpConnect} from '../../src/transport/tcp-connect.js'
import {recordingLogger} from '../support/logger.js'

/** Relays on the signalling path between two real peers (docs/protocol.md, "Signalling hello"), for the CLI tests. */
export const relayServers = new Set<Server>()

export function closeRelays(): void {
  for (const server of relayServers) server.close()
  relayServers.clear()
}

async function serve(handler: (socket: Socket) => void): Promise<number> {
  const server = createServer(handler)
  relayServers.add(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return (server.address() as {port: number}).port
}

/** A passive tap: passes every byte both ways to 127.0.0.1:`target` untouched, and keeps a copy of each direction. */
export async function capturingRelay(target: number): Promise<{port: number; fromCaller: Buffer[]; fromCallee: Buffer[]}> {
  const fromCaller: Buffer[] = []
  const fromCallee: Buffer[] = []
  const port = await serve((caller) => {
    const callee = connect({host: '127.0.0.1', port: target})
    caller.on('data', (chunk: Buffer) => (fromCaller.push(chunk), callee.write(chunk)))
    callee.on('data', (chunk: Buffer) => (fromCallee.push(chunk), caller.write(chunk)))
    for (const socket of [caller, callee]) socket.on('error', () => undefined).on('close', () => (caller.destroy(), callee.destroy()))
  })
  return {port, fromCaller, fromCallee}
}

/**
 * An active man in the middle without the identity keys: it runs the hello with each side itself, its own fresh
 * X25519 keys on both, so it holds both connections' TLS keys, and passes every message on, decrypted and
 * re-encrypted; `seen` is every message it read, either way.
 */
export async function helloSwappingRelay(target: number): Promise<{port: number; seen: SignalMessage[]}> {
  const seen: SignalMessage[] = []
  const logger = recordingLogger()
  const port = await serve((socket) => {
    socket.on('error', () => undefined)
    void (async () => {
      const withCaller = await helloAsCallee(socket, 'relay ← caller', 5000)
      const withCallee = await helloAsCaller(await tcpConnect('127.0.0.1', target, 5000), 'relay → callee', 5000)
      const [caller, callee] = [withCaller, withCallee].map((secured) => new FramedConnection<SignalMessage>(secured.socket, {codec: signalCodec, logger}))
      const pass = (from: FramedConnection<SignalMessage>, to: FramedConnection<SignalMessage>) => {
        from.onMessage((message) => (seen.push(message), to.send(message)))
        void from.closed.then(() => to.close('the other side closed'))
      }

      pass(caller, callee)
      pass(callee, caller)
    })().catch(() => socket.destroy())
  })
  return {port, seen}
}
