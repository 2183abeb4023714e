import {once} from 'node:events'
import {connect, createServer, type Server, type Socket} from 'node:net'

import {signAccept, signInvite} from '../../src/call/call-identity.js'
import {awaitProof, proofOf} from '../../src/call/signal-proof.js'
import {signalCodec, type SignalMessage} from '../../src/protocol/call/signalling.js'
import type {Identity} from '../../src/security/identity.js'
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

type Invite = Extract<SignalMessage, {type: 'invite'}>

/**
 * A relay that holds both identity keys (as no attacker should: it stands for signatures that no longer protect
 * anything), to test the check behind them. It proves itself to the caller as the callee, runs its own connection to
 * the callee, changes the invite with `rewrite` and signs it again as the caller for its connection, and signs the
 * callee's accept again over the invite the caller sent. Both signatures verify; only the set-up hash still differs.
 */
export async function keyHoldingRelay(
  target: number,
  keys: {caller: Identity; callee: Identity},
  rewrite: (invite: Invite) => Invite,
): Promise<{port: number; rewritten: Promise<{before: Invite; after: Invite}>}> {
  let resolveRewritten!: (invites: {before: Invite; after: Invite}) => void
  const rewritten = new Promise<{before: Invite; after: Invite}>((resolve) => (resolveRewritten = resolve))
  const logger = recordingLogger()
  const port = await serve((socket) => {
    socket.on('error', () => undefined)
    void (async () => {
      const withCaller = await helloAsCallee(socket, 'relay ← caller', 5000)
      const caller = new FramedConnection<SignalMessage>(withCaller.socket, {codec: signalCodec, logger})
      caller.send(proofOf(keys.callee, withCaller.channel))
      const withCallee = await helloAsCaller(await tcpConnect('127.0.0.1', target, 5000), 'relay → callee', 5000)
      const callee = new FramedConnection<SignalMessage>(withCallee.socket, {codec: signalCodec, logger})
      await awaitProof(callee, keys.callee.publicKey, withCallee.channel, 5000)
      let sent: Invite | undefined
      caller.onMessage((message) => {
        if (message.type !== 'invite') return callee.send(message)
        const {type: _type, signature: _signature, identityKey: _key, ...fields} = rewrite(structuredClone(message))
        const after: Invite = {type: 'invite', ...fields, ...signInvite(keys.caller, {...fields, channel: withCallee.channel})}
        sent = message
        resolveRewritten({before: message, after})
        callee.send(after)
      })
      callee.onMessage((message) => {
        if (message.type !== 'accept' || !sent) return caller.send(message)
        const {type: _type, signature: _signature, identityKey: _key, ...fields} = message
        caller.send({type: 'accept', ...fields, ...signAccept(keys.callee, {...sent, channel: withCaller.channel}, fields)})
      })
      void caller.closed.then(() => callee.close('the caller closed'))
      void callee.closed.then(() => caller.close('the callee closed'))
    })().catch(() => socket.destroy())
  })
  return {port, rewritten}
}
