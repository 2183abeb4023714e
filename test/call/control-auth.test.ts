import {afterEach, describe, expect, it, vi} from 'vitest'

import {type ControlConnection, listenFramed} from '../../src/call/connections.js'
import {admitControl, presentControlAuth} from '../../src/call/control-auth.js'
import {FramedConnection} from '../../src/transport/framed-connection.js'
import {checkControlAuth, controlCodec, type ControlMessage} from '../../src/protocol/call/control.js'
import {signalCodec} from '../../src/protocol/call/signalling.js'
import {recordingLogger} from '../support/logger.js'
import {FakeClock} from '../support/fake-clock.js'

const CALL = 'call-00000042'
const SECRET = '5e'.repeat(32)
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A real control listener on 127.0.0.1 (TLS with SECRET, or plain TCP) that admits with `admitControl` and reports each verdict. */
async function controlServer(options: {clock?: FakeClock; plain?: boolean} = {}) {
  const logger = recordingLogger()
  const verdicts: Array<Promise<{check: Awaited<ReturnType<typeof admitControl>>; connection: ControlConnection}>> = []
  const bound = await listenFramed<ControlMessage>({
    host: '127.0.0.1',
    port: 0,
    codec: controlCodec,
    logger,
    secret: options.plain ? undefined : SECRET,
    onConnection(connection) {
      cleanups.push(() => connection.destroy('test over'))
      verdicts.push(admitControl(connection, {callId: CALL, peer: 'alice'}, {timeoutMs: 5000, clock: options.clock}).then((check) => ({check, connection})))
    },
  })
  cleanups.push(() => bound.close())
  return {port: bound.port, logger, verdict: async (index = 0) => {
    while (verdicts.length <= index) await new Promise((resolve) => setImmediate(resolve))
    return verdicts[index]
  }}
}

/** Connect to a control listener with the key (TLS), another key, or none (`null`: plain TCP). */
async function dial(port: number, secret: string | null = SECRET): Promise<ControlConnection> {
  const connection = await FramedConnection.connect<ControlMessage>('127.0.0.1', port, {codec: controlCodec, logger: recordingLogger(), secret: secret ?? undefined})
  cleanups.push(() => connection.destroy('test over'))
  return connection
}

describe('control connection authentication', () => {
  it('admits the peer of this call over TLS with the key, then carries toggles, chat and hang-up', async () => {
    const server = await controlServer()
    const alice = await dial(server.port)
    await presentControlAuth(alice, {callId: CALL, from: 'alice'})
    const {check, connection: bob} = await server.verdict()
    expect(check).toEqual({ok: true, value: {callId: CALL, from: 'alice'}})
    alice.send({type: 'video', on: false})
    alice.send({type: 'chat', text: 'can you hear me?'})
    alice.send({type: 'hangup', reason: 'bye'})
    expect([await bob.next(), await bob.next(), await bob.next()]).toEqual([
      {type: 'video', on: false},
      {type: 'chat', text: 'can you hear me?'},
      {type: 'hangup', reason: 'bye'},
    ])
  })

  it('refuses a connection without the key at the TLS handshake: AUTH_FAILED for it, a logged line for the listener', async () => {
    const server = await controlServer()
    await expect(dial(server.port, 'ff'.repeat(32))).rejects.toMatchObject({code: 'AUTH_FAILED', message: expect.stringContaining('refused our key')})
    const plain = await dial(server.port, null)
    plain.send({type: 'auth', callId: CALL, from: 'alice'})
    await expect(plain.next()).rejects.toThrow()
    await vi.waitFor(() => expect(server.logger.lines.filter((line) => line.includes('control: refused a connection from 127.0.0.1'))).toHaveLength(2))
  })

  it('never puts the secret on the wire: auth names the call and the caller, nothing else', () => {
    expect(() => controlCodec.encode({type: 'auth', callId: CALL, from: 'alice', secret: SECRET} as unknown as ControlMessage)).toThrow()
    expect(controlCodec.encode({type: 'auth', callId: CALL, from: 'alice'}).toString('latin1')).not.toContain(SECRET)
  })

  it.each([
    ['another call', {type: 'auth', callId: 'call-99999999', from: 'alice'}, 'unknown call'],
    ['someone else', {type: 'auth', callId: CALL, from: 'mallory'}, 'not the peer of this call'],
    ['no auth at all', {type: 'audio', on: false}, 'expected auth first, got audio'],
  ] as Array<[string, ControlMessage, string]>)('refuses %s and closes', async (_label, first, reason) => {
    const server = await controlServer()
    const mallory = await dial(server.port)
    mallory.send(first)
    expect(await mallory.next()).toEqual({type: 'auth-refused', reason})
    expect(await mallory.closed).toMatchObject({by: 'peer'})
    const {check, connection} = await server.verdict()
    expect(check).toEqual({ok: false, reason})
    expect(await connection.closed).toMatchObject({reason: `refused: ${reason}`, by: 'local'})
  })

  it('presentControlAuth turns a refusal into AUTH_FAILED', async () => {
    const server = await controlServer()
    const alice = await dial(server.port)
    await expect(presentControlAuth(alice, {callId: 'call-99999999', from: 'alice'})).rejects.toMatchObject({
      code: 'AUTH_FAILED',
      message: 'control: the peer refused us: unknown call',
    })
  })

  it('refuses a connection that stays silent past the timeout', async () => {
    const clock = new FakeClock()
    const server = await controlServer({clock})
    const silent = await dial(server.port)
    const verdict = server.verdict()
    // Wait until the server has accepted and started its timer, then let the time run out.
    while (clock.pending === 0) await new Promise((resolve) => setImmediate(resolve))
    clock.advance(5000)
    expect((await verdict).check).toEqual({ok: false, reason: 'no auth within 5000 ms'})
    expect(await silent.next()).toEqual({type: 'auth-refused', reason: 'no auth within 5000 ms'})
  })

  it('refuses garbage (a signalling frame on the control port) as a protocol error', async () => {
    const server = await controlServer({plain: true})
    const {connect} = await import('node:net')
    const socket = connect(server.port, '127.0.0.1')
    cleanups.push(() => socket.destroy())
    socket.write(signalCodec.encode({type: 'ringing', callId: CALL}))
    const {check} = await server.verdict()
    expect(check).toEqual({ok: false, reason: expect.stringMatching(/^control with 127\.0\.0\.1:\d+: protocol error: control: bad magic: expected 49 56 43 43 \("IVCC"\), got 49 56 43 53$/)})
  })

  it('checks auth as a pure function too', () => {
    expect(checkControlAuth({type: 'auth', callId: CALL, from: 'x'}, {callId: CALL})).toEqual({ok: true, value: {callId: CALL, from: 'x'}})
    expect(checkControlAuth({type: 'auth', callId: CALL, from: 'x'}, {callId: CALL, peer: 'y'})).toEqual({ok: false, reason: 'not the peer of this call'})
  })
})
