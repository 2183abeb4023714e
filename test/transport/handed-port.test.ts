import {spawn} from 'node:child_process'
import {connect, createServer} from 'node:net'

import {afterEach, describe, expect, it} from 'vitest'

import {Supervisor} from '../../src/call/supervisor.js'
import {HANDED_PORT_ENV, listenTarget, reservePort} from '../../src/transport/handed-port.js'
import {runCli} from '../support/cli.js'
import {recordingLogger} from '../support/logger.js'

const supervisors: Supervisor[] = []
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((supervisor) => supervisor.stopAll()))
})

/** Whether another socket can bind `port` on 127.0.0.1 now. */
async function bindable(port: number): Promise<boolean> {
  const server = createServer()
  return new Promise((resolve) => {
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

describe('a port handed to a component', () => {
  it('is held from its reservation: nobody else can bind it until it is released', async () => {
    const reserved = await reservePort('127.0.0.1')
    expect(await bindable(reserved.port)).toBe(false)
    await reserved.release()
    await reserved.release() // twice is harmless
    expect(await bindable(reserved.port)).toBe(true)
  })

  it('keeps a peer that connects before its process listens waiting in the backlog, not refused', async () => {
    const reserved = await reservePort('127.0.0.1')
    // A process that holds the socket and has not listened on it yet (it never will).
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], {stdio: ['ignore', 'ignore', 'ignore', reserved.fd]})
    await reserved.release()
    try {
      const peer = connect(reserved.port, '127.0.0.1')
      await new Promise<void>((resolve, reject) => peer.once('connect', resolve).once('error', reject))
      peer.destroy()
    } finally {
      holder.kill('SIGKILL')
    }
  })

  it('is served by the component it is handed to', async () => {
    const reserved = await reservePort('127.0.0.1')
    const supervisor = new Supervisor(recordingLogger(), () => undefined)
    supervisors.push(supervisor)
    // The flags name the port, as a call's receivers do; the socket comes from us.
    const receiver = supervisor.start('audio receiver', ['stream-audio', '--listen', '--port', String(reserved.port), '--bind', '127.0.0.1', '--sink', 'null', '--json'], {listenFd: reserved.fd})
    await reserved.release()
    const sender = runCli(['stream-audio', '--to', `127.0.0.1:${reserved.port}`, '--source', 'tone', '--connections', '2', '--duration', '1'])
    expect((await receiver.firstEvent('listening', 60_000)).port).toBe(reserved.port)
    expect((await sender).exitCode).toBe(0)
    // The receiver ends with the stream; its summary, its last line, counts what it received.
    expect((await receiver.exited).code).toBe(0)
    expect(receiver.lastEvent()).toMatchObject({role: 'receiver', frames: expect.any(Number)})
    expect(Number(receiver.lastEvent()!.frames)).toBeGreaterThan(0)
  })

  it('is taken once, from the variable the supervisor sets; without it the flags say where to listen', () => {
    const env: NodeJS.ProcessEnv = {[HANDED_PORT_ENV]: '3'}
    expect(listenTarget(7000, '0.0.0.0', env)).toEqual({fd: 3})
    expect(env[HANDED_PORT_ENV]).toBeUndefined()
    expect(listenTarget(7000, '0.0.0.0', env)).toEqual({port: 7000, host: '0.0.0.0'})
    expect(() => listenTarget(7000, undefined, {[HANDED_PORT_ENV]: '9'})).toThrow(/must be 3/)
  })
})
