/**
 * Two test hosts on one machine: network namespaces `a` and `b` joined by a veth pair, 10.231.0.1/30 in a and
 * 10.231.0.2/30 in b (addresses that exist only inside those namespaces), with a tbf bandwidth limit on either
 * direction that can be changed while traffic flows. This kernel has tbf/htb but no netem: added delay comes from
 * a small userspace TCP relay (startDelayRelay). Needs root and iproute2.
 *
 * Every namespace is named `ivct-<pid>-<n>-{a,b}`; closing a link deletes both (which deletes the veth pair and its
 * qdiscs), and cleanupStaleLinks() deletes those whose creating process is gone, so a killed run leaves nothing for
 * long. Every command is bounded in time.
 */
import {execa, type ResultPromise} from 'execa'

export const NETNS_PREFIX = 'ivct-'
export const ADDRESS_A = '10.231.0.1'
export const ADDRESS_B = '10.231.0.2'
const COMMAND_TIMEOUT_MS = 5000

export type Direction = 'a-to-b' | 'b-to-a'

export interface LinkShape {
  /** Rate in kbit/s; undefined = unlimited (no qdisc). */
  rateKbit?: number
  /** Bucket size, bytes. Default max(32 KiB, 10 ms at the rate). */
  burstBytes?: number
  /** How long a packet may wait in tbf before it is dropped (its queue bound). Default 50 ms. */
  latencyMs?: number
}

export interface NetLink {
  nsA: string
  nsB: string
  devA: string
  devB: string
  /** Set (or remove, with no rate) the limit on one direction, at once, even mid-transfer. */
  shape(direction: Direction, shape: LinkShape): Promise<void>
  /** Start a command inside a namespace (killed at `timeoutMs`, default 60 s). */
  spawn(ns: 'a' | 'b', file: string, args: string[], options?: {timeoutMs?: number; env?: Record<string, string>}): ResultPromise
  close(): Promise<void>
}

let counter = 0

async function ip(args: string[]): Promise<void> {
  await execa('ip', args, {timeout: COMMAND_TIMEOUT_MS})
}

/** Whether this machine can build a link; the reason when not (`missing` means a tool must be installed). */
export async function netnsSupport(): Promise<{ok: true} | {ok: false; missing: boolean; reason: string}> {
  for (const tool of ['ip', 'tc']) {
    const found = await execa('sh', ['-c', `command -v ${tool}`], {reject: false, timeout: COMMAND_TIMEOUT_MS})
    if (found.exitCode !== 0) return {ok: false, missing: true, reason: `\`${tool}\` not found: install iproute2 (apt-get install iproute2)`}
  }

  if (process.getuid?.() !== 0) return {ok: false, missing: false, reason: 'network namespaces need root (run as root to include this test)'}
  const probe = `${NETNS_PREFIX}${process.pid}-probe`
  try {
    await ip(['netns', 'add', probe])
    const tbf = await execa('ip', ['netns', 'exec', probe, 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'tbf', 'rate', '1mbit', 'burst', '16kb', 'latency', '50ms'], {
      reject: false,
      timeout: COMMAND_TIMEOUT_MS,
    })
    if (tbf.exitCode !== 0) return {ok: false, missing: false, reason: `this kernel refuses a tbf qdisc: ${tbf.stderr.trim()}`}
    return {ok: true}
  } catch (error) {
    return {ok: false, missing: false, reason: `cannot create a network namespace here: ${(error as {stderr?: string}).stderr?.trim() || String(error)}`}
  } finally {
    await execa('ip', ['netns', 'delete', probe], {reject: false, timeout: COMMAND_TIMEOUT_MS})
  }
}

/** Delete namespaces left behind by ivc test processes that no longer exist. */
export async function cleanupStaleLinks(): Promise<string[]> {
  const listed = await execa('ip', ['netns', 'list'], {reject: false, timeout: COMMAND_TIMEOUT_MS})
  const stale = listed.stdout
    .split('\n')
    .map((line) => line.split(' ')[0])
    .filter((name) => name.startsWith(NETNS_PREFIX))
    .filter((name) => !alive(Number(name.slice(NETNS_PREFIX.length).split('-')[0])))
  for (const name of stale) await execa('ip', ['netns', 'delete', name], {reject: false, timeout: COMMAND_TIMEOUT_MS})
  return stale
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Build a link (namespaces, veth, addresses, loopback up), optionally shaped in both directions from the start. */
export async function createLink(initial: LinkShape = {}): Promise<NetLink> {
  await cleanupStaleLinks()
  const id = `${process.pid}-${counter++}`
  const nsA = `${NETNS_PREFIX}${id}-a`
  const nsB = `${NETNS_PREFIX}${id}-b`
  // Interface names are at most 15 characters.
  const tag = `${process.pid % 1_000_000}${counter}`
  const devA = `iva${tag}`.slice(0, 15)
  const devB = `ivb${tag}`.slice(0, 15)
  const spawned = new Set<ResultPromise>()
  const close = async () => {
    for (const child of spawned) child.kill('SIGKILL')
    await Promise.allSettled([...spawned])
    // Deleting a namespace deletes the veth end inside it, and with it the pair.
    for (const ns of [nsA, nsB]) await execa('ip', ['netns', 'delete', ns], {reject: false, timeout: COMMAND_TIMEOUT_MS})
  }

  try {
    await ip(['netns', 'add', nsA])
    await ip(['netns', 'add', nsB])
    await ip(['link', 'add', devA, 'netns', nsA, 'type', 'veth', 'peer', 'name', devB, 'netns', nsB])
    await ip(['-n', nsA, 'addr', 'add', `${ADDRESS_A}/30`, 'dev', devA])
    await ip(['-n', nsB, 'addr', 'add', `${ADDRESS_B}/30`, 'dev', devB])
    for (const [ns, dev] of [
      [nsA, devA],
      [nsB, devB],
    ]) {
      await ip(['-n', ns, 'link', 'set', dev, 'up'])
      await ip(['-n', ns, 'link', 'set', 'lo', 'up'])
    }
  } catch (error) {
    await close()
    throw error
  }

  const shaped = new Set<Direction>()
  const link: NetLink = {
    nsA,
    nsB,
    devA,
    devB,
    async shape(direction, shape) {
      const [ns, dev] = direction === 'a-to-b' ? [nsA, devA] : [nsB, devB]
      if (shape.rateKbit === undefined) {
        if (shaped.delete(direction)) await execa('ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'del', 'dev', dev, 'root'], {timeout: COMMAND_TIMEOUT_MS})
        return
      }

      const burst = shape.burstBytes ?? Math.max(32 * 1024, Math.ceil((shape.rateKbit * 1000 * 0.01) / 8))
      const verb = shaped.has(direction) ? 'change' : 'add'
      await execa(
        'ip',
        ['netns', 'exec', ns, 'tc', 'qdisc', verb, 'dev', dev, 'root', 'tbf', 'rate', `${shape.rateKbit}kbit`, 'burst', String(burst), 'latency', `${shape.latencyMs ?? 50}ms`],
        {timeout: COMMAND_TIMEOUT_MS},
      )
      shaped.add(direction)
    },
    spawn(ns, file, args, options = {}) {
      const child = execa('ip', ['netns', 'exec', ns === 'a' ? nsA : nsB, file, ...args], {
        reject: false,
        timeout: options.timeoutMs ?? 60_000,
        env: options.env,
        extendEnv: true,
        buffer: true,
      })
      spawned.add(child)
      void child.finally(() => spawned.delete(child))
      return child
    },
    close,
  }

  try {
    if (initial.rateKbit !== undefined) {
      await link.shape('a-to-b', initial)
      await link.shape('b-to-a', initial)
    }
  } catch (error) {
    await close()
    throw error
  }

  return link
}

/**
 * A TCP sink for `node -e`: listens on HOST:PORT, prints `listening`, then one JSON line every `tickMs` with the
 * bytes received so far and the time, and exits `durationMs` after the first connection.
 */
export const TCP_SINK_SCRIPT = `
const [host, port, tickMs, durationMs] = process.argv.slice(1)
let bytes = 0, start
const server = require('node:net').createServer((socket) => {
  start ??= Date.now()
  socket.on('data', (chunk) => { bytes += chunk.length })
  socket.on('error', () => {})
  setTimeout(() => process.exit(0), Number(durationMs))
})
setInterval(() => { if (start !== undefined) console.log(JSON.stringify({ms: Date.now() - start, bytes})) }, Number(tickMs))
server.listen(Number(port), host, () => console.log('listening'))
`

/** A TCP source for `node -e`: connects to HOST:PORT and writes as fast as the socket drains, for `durationMs`. */
export const TCP_SOURCE_SCRIPT = `
const [host, port, durationMs] = process.argv.slice(1)
const block = Buffer.alloc(64 * 1024, 7)
const socket = require('node:net').connect(Number(port), host, () => {
  const pump = () => { while (socket.write(block)) {} }
  socket.on('drain', pump)
  pump()
  setTimeout(() => { socket.destroy(); process.exit(0) }, Number(durationMs))
})
socket.on('error', (error) => { console.error(error.message); process.exit(1) })
`

/**
 * A delaying TCP relay for `node -e`: listens on LISTEN_HOST:LISTEN_PORT and forwards each connection to
 * TARGET_HOST:TARGET_PORT, holding every chunk DELAY_MS in both directions (order kept; reading pauses while more than
 * 4 MiB wait, so memory stays bounded). Prints `listening` when ready; exits after `lifetimeMs`.
 */
export const DELAY_RELAY_SCRIPT = `
const [listenHost, listenPort, targetHost, targetPort, delayMs, lifetimeMs] = process.argv.slice(1)
const net = require('node:net')
const delay = Number(delayMs)
const pipe = (from, to) => {
  let held = 0
  from.on('data', (chunk) => {
    held += chunk.length
    if (held > 4 * 1024 * 1024) from.pause()
    setTimeout(() => {
      held -= chunk.length
      if (!to.destroyed) to.write(chunk)
      if (held <= 4 * 1024 * 1024) from.resume()
    }, delay)
  })
  from.on('end', () => setTimeout(() => to.end(), delay))
  from.on('error', () => to.destroy())
}
net.createServer((client) => {
  const upstream = net.connect(Number(targetPort), targetHost)
  client.setNoDelay(true); upstream.setNoDelay(true)
  pipe(client, upstream); pipe(upstream, client)
  upstream.on('close', () => client.destroy()); client.on('close', () => upstream.destroy())
}).listen(Number(listenPort), listenHost, () => console.log('listening'))
setTimeout(() => process.exit(0), Number(lifetimeMs))
`

/**
 * Start a delay relay inside namespace `ns` of `link`; resolves once it listens. (The child is wrapped: a
 * ResultPromise is thenable, so returning it bare from an async function would wait for the relay to exit.)
 */
export async function startDelayRelay(
  link: NetLink,
  ns: 'a' | 'b',
  options: {listenHost: string; listenPort: number; targetHost: string; targetPort: number; delayMs: number; lifetimeMs: number},
): Promise<{child: ResultPromise}> {
  const child = link.spawn(ns, process.execPath, ['-e', DELAY_RELAY_SCRIPT, options.listenHost, String(options.listenPort), options.targetHost, String(options.targetPort), String(options.delayMs), String(options.lifetimeMs)], {
    timeoutMs: options.lifetimeMs + 5000,
  })
  await firstLine(child, (line) => line === 'listening', 10_000)
  return {child}
}

/** Resolve with the first stdout line that matches, or reject after `timeoutMs` / when the child ends first. */
export function firstLine(child: ResultPromise, predicate: (line: string) => boolean, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = ''
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      const hit = lines.find(predicate)
      if (hit !== undefined) {
        done()
        resolve(hit)
      }
    }

    const timer = setTimeout(() => {
      done()
      reject(new Error(`no matching line within ${timeoutMs} ms`))
    }, timeoutMs)
    const done = () => {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
    }

    child.stdout?.on('data', onData)
    void child.finally(() => {
      done()
      reject(new Error('the process ended before printing the line'))
    })
  })
}

/** Measure TCP throughput a → b for `durationMs`; returns the sink's cumulative samples ({ms, bytes}). */
export async function bulkTransfer(link: NetLink, options: {port: number; durationMs: number; tickMs?: number; during?: (elapsedMs: number) => Promise<void>}): Promise<Array<{ms: number; bytes: number}>> {
  const sink = link.spawn('b', process.execPath, ['-e', TCP_SINK_SCRIPT, ADDRESS_B, String(options.port), String(options.tickMs ?? 100), String(options.durationMs)], {
    timeoutMs: options.durationMs + 15_000,
  })
  await firstLine(sink, (line) => line === 'listening', 10_000)
  const source = link.spawn('a', process.execPath, ['-e', TCP_SOURCE_SCRIPT, ADDRESS_B, String(options.port), String(options.durationMs + 500)], {
    timeoutMs: options.durationMs + 15_000,
  })
  if (options.during) await options.during(options.durationMs)
  const result = await sink
  source.kill('SIGKILL')
  await source
  return String(result.stdout)
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as {ms: number; bytes: number})
}

/** Mean rate, kbit/s, between two instants of a bulkTransfer's samples. */
export function rateKbit(samples: Array<{ms: number; bytes: number}>, fromMs: number, toMs: number): number {
  const at = (ms: number) => samples.reduce((best, sample) => (Math.abs(sample.ms - ms) < Math.abs(best.ms - ms) ? sample : best))
  const from = at(fromMs)
  const to = at(toMs)
  return ((to.bytes - from.bytes) * 8) / (to.ms - from.ms)
}

/**
 * A receiver ends by itself once its sender has sent end-of-stream; wait for that (bounded), and only then signal it.
 * Signalling it at once races with its own exit: a signal that lands while Node is tearing down, after the last
 * handler is gone, kills the process instead of letting it exit with its status.
 */
export async function endReceiver(child: ResultPromise, graceMs = 5000): Promise<Awaited<ResultPromise>> {
  let timer: NodeJS.Timeout | undefined
  const ended = await Promise.race([child.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)))])
  clearTimeout(timer)
  if (!ended) child.kill('SIGINT')
  return child
}
