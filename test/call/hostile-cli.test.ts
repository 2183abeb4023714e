import {execFileSync} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import {connect, type Socket} from 'node:net'

import {afterEach, describe, expect, inject, it} from 'vitest'

import {encodeSignalHello} from '../../src/protocol/call/hello.js'
import {killAll, lineLog, runCli, startCli} from '../support/cli.js'

const redis = inject('redisUrl')
const name = (prefix: string) => `${prefix}${randomUUID().slice(0, 6)}`
const common = ['--redis', redis, '--address', '127.0.0.1', '--heartbeat-ms', '200', '--expiry-ms', '1000', '--size', '320x240', '--video-connections', '4', '--audio-connections', '2']
const sockets = new Set<Socket>()
const timers = new Set<NodeJS.Timeout>()

afterEach(async () => {
  for (const timer of timers) clearInterval(timer)
  for (const socket of sockets) socket.destroy()
  sockets.clear()
  await killAll()
})

async function listen(user: string, extra: string[] = []) {
  const child = startCli(['listen', '--user', user, '--port', '0', '--json', ...common, ...extra])
  const log = lineLog(child)
  const stderr = lineLog(child, 'stderr')
  const listening = JSON.parse(await log.waitFor((line) => line.includes('"event":"listening"'))) as {port: number}
  return {child, port: listening.port, waitFor: log.waitFor, stderr}
}

/** A TCP connection from `from` (each 127.x address is another source); resolves with the socket and when it closes. */
function dial(port: number, from: string): Promise<{socket: Socket; closed: Promise<void>}> {
  const socket = connect({host: '127.0.0.1', port, localAddress: from})
  sockets.add(socket)
  socket.on('error', () => undefined)
  // Read and discard (the listener's keepalives): a paused socket would never see the listener close it.
  socket.resume()
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({socket, closed}))
    socket.once('close', () => resolve({socket, closed}))
  })
}

/** Local addresses (ADDR:PORT) of the TCP sockets the given processes listen on (`ss -ltnp`). */
function listeningAddresses(pids: number[]): string[] {
  const out = execFileSync('ss', ['-ltnpH'], {encoding: 'utf8'})
  return out.split('\n').filter((line) => pids.some((pid) => line.includes(`pid=${pid},`))).map((line) => line.trim().split(/\s+/)[3])
}

/** Pids of the processes whose command line mentions `text` (a call id: the call's components). */
function pidsWith(text: string): number[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], {encoding: 'utf8'})
  return out.split('\n').filter((line) => line.includes(text) && !line.includes(' ps ')).map((line) => Number(line.trim().split(/\s+/)[0]))
}

describe('hostile connections to the ports of a real ivc listen', () => {
  it('refuses a flood and drops slow senders on the signalling port by the deadline, while a real call goes through', async () => {
    const bob = name('bob')
    const alice = name('alice')
    const listener = await listen(bob, ['--auto-accept'])
    // 1,000 idle connections from one address, and ten that send a valid frame's bytes one at a time.
    // (In batches: more connections at once than the kernel's accept queue holds would wait in the kernel, unseen by
    // the listener, instead of reaching it.)
    const flood: Array<{socket: Socket; closed: Promise<void>}> = []
    for (let batch = 0; batch < 20; batch++) flood.push(...(await Promise.all(Array.from({length: 50}, () => dial(listener.port, '127.0.0.2')))))
    // A valid signalling hello (the first thing a caller sends), a byte every 500 ms: 20 s, past the 5 s deadline.
    const invite = encodeSignalHello({role: 'caller', key: Buffer.alloc(32, 0x2a)})
    const slow = await Promise.all(Array.from({length: 10}, () => dial(listener.port, '127.0.0.3')))
    for (const {socket} of slow) {
      let sent = 0
      const timer = setInterval(() => (socket.writable && sent < invite.length ? socket.write(invite.subarray(sent, ++sent)) : clearInterval(timer)), 500)
      timers.add(timer)
    }

    const call = startCli(['call', bob, '--user', alice, '--json', ...common])
    const mediaUp = JSON.parse(await listener.waitFor((line) => line.includes('"call.media-up"'))) as {callId: string}
    // Every port of the call listens where --address said, on both sides: the listener's own and the four receivers'
    // (a receiver may still be starting at media-up: its sender retries; bob's control stops listening once in use).
    const bound = () => listeningAddresses([listener.child.pid!, ...pidsWith(mediaUp.callId)])
    await expect.poll(() => bound().length, {timeout: 30_000}).toBeGreaterThanOrEqual(5)
    for (const address of bound()) expect(address).toMatch(/^127\.0\.0\.1:\d+$/)
    expect((await runCli(['control', 'hangup', '--user', alice, '--redis', redis])).exitCode).toBe(0)
    const result = await call
    expect(result.exitCode, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({peer: bob, endCode: 'hangup'})

    // Every hostile connection is closed by the listener: refused at once past the limit, or dropped at the deadline.
    await Promise.all([...flood, ...slow].map(({closed}) => closed))
    await listener.stderr.waitFor((line) => /refused 127\.0\.0\.2:\d+: 4 connections from 127\.0\.0\.2 are already waiting to authenticate \(limit 4\) \(100 refused so far\)/.test(line))
    // A slow sender is dropped at the 5 s deadline by whichever of two equal timers fires first: the admission's
    // (counted: "dropped …: no complete first message") or the signalling hello's own ("no signalling hello in time").
    await listener.stderr.waitFor((line) =>
      /dropped 127\.0\.0\.[23]:\d+: no complete first message within 5000 ms \(\d+ expired so far\)|refused a connection from 127\.0\.0\.[23]:\d+: .*no signalling hello in time/.test(line),
    )
    expect(listener.stderr.lines.filter((line) => line.includes('refused 127.0.0.3')).length).toBeLessThanOrEqual(1)
  }, 120_000)

  it('listens on every interface only when asked (--bind 0.0.0.0), and a standalone receiver where --bind says', async () => {
    const listener = await listen(name('carol'), ['--bind', '0.0.0.0'])
    expect(listeningAddresses([listener.child.pid!])).toEqual([`0.0.0.0:${listener.port}`])
    const receiver = startCli(['stream-video', '--listen', '--port', '0', '--bind', '127.0.0.1', '--sink', 'null', '--json'])
    const port = (JSON.parse(await lineLog(receiver).waitFor((line) => line.includes('"event":"listening"'))) as {port: number}).port
    expect(listeningAddresses([receiver.pid!])).toEqual([`127.0.0.1:${port}`])
    const bad = await runCli(['listen', '--user', name('dave'), '--bind', 'localhost', ...common])
    expect(bad.stderr).toContain('--bind "localhost" is not an IP address (0.0.0.0 or :: for every interface)')
  }, 60_000)
})
