// Suite `video`: ivc stream-video over loopback (640x480 and 1280x720 at 30 fps, 1 and 20 connections, and 20
// encrypted with TLS as in a call), measured by
// the receiver's summary and /proc CPU time of both processes; plus ffmpeg → MJPEG over one TCP connection → ffmpeg
// decode, fed the same synthetic frames, as a reference. IVC_BENCH_VIDEO_SECONDS shortens the runs (default 10).
// The sender runs with --adapt off: this measures the pipeline at the size asked for (gcc would spend the first
// seconds climbing to it); adaptation has its own benchmark, bench:net.
import {readFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {fileURLToPath} from 'node:url'

import {execa, type ResultPromise} from 'execa'

import {SyntheticSource} from '../src/plugins/video/synthetic-source.js'
import type {Row, Suite} from './run.js'

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const SECONDS = Number(process.env.IVC_BENCH_VIDEO_SECONDS ?? 10)
const TICKS_PER_SECOND = 100 // Linux USER_HZ

/** CPU seconds used so far by a process (utime + stime from /proc), or undefined once it is gone. */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (!pid) return undefined
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
  } catch {
    return undefined
  }
}

/** Samples a child's CPU time until it exits; the result is % of one core over its lifetime since `from`. */
function cpuMeter(child: ResultPromise): () => number {
  const started = Date.now()
  let last = 0
  let lastAt = started
  const timer = setInterval(() => {
    const used = cpuSeconds(child.pid)
    if (used !== undefined) {
      last = used
      lastAt = Date.now()
    }
  }, 200)
  void child.finally(() => clearInterval(timer))
  return () => (100 * last) / ((lastAt - started) / 1000 || 1)
}

const ivc = (args: string[], secret?: string) =>
  execa('node', [BIN, ...args], {reject: false, env: {XDG_CONFIG_HOME: '/nonexistent', ...(secret ? {IVC_MEDIA_SECRET: secret} : {})}})

/** With `encrypted`, both ends share a secret, so every connection is TLS 1.3 (as in a call). */
async function ivcCase(width: number, height: number, connections: number, encrypted = false): Promise<Row> {
  const secret = encrypted ? 'bench-secret-0123456789abcdef' : undefined
  const receiver = ivc(['stream-video', '--listen', '--port', '0', '--sink', 'null', '--json', '--duration', String(SECONDS + 6)], secret)
  const receiverCpu = cpuMeter(receiver)
  const port = await new Promise<number>((resolve, reject) => {
    receiver.stdout!.on('data', (chunk: Buffer) => {
      const match = /"listening","port":(\d+)/.exec(chunk.toString())
      if (match) resolve(Number(match[1]))
    })
    void receiver.then(() => reject(new Error('receiver exited before listening')))
  })
  const sender = ivc(['stream-video', '--to', `127.0.0.1:${port}`, '--size', `${width}x${height}`, '--fps', '30', '--connections', String(connections), '--duration', String(SECONDS), '--adapt', 'off', '--json'], secret)
  const senderCpu = cpuMeter(sender)
  const [tx, rx] = await Promise.all([sender, receiver])
  const summary = JSON.parse(String(rx.stdout).trim().split('\n').at(-1)!)
  const sent = JSON.parse(String(tx.stdout).trim().split('\n').at(-1)!)
  return {
    case: `ivc ${width}x${height}@30, ${connections} conn${encrypted ? ', TLS' : ''}`,
    fps: summary.fps,
    'p50 ms': summary.latencyMs.p50,
    'p95 ms': summary.latencyMs.p95,
    kbps: summary.kbps,
    'sender CPU %': Math.round(senderCpu() * 10) / 10,
    'receiver CPU %': Math.round(receiverCpu() * 10) / 10,
    dropped: summary.dropped + sent.dropped,
    freezes: summary.freezes,
    outOfOrder: summary.outOfOrder,
  }
}

/** ffmpeg encodes our synthetic frames to MJPEG (q 5 ≈ JPEG quality 80) over one TCP connection; ffmpeg decodes them. */
async function ffmpegReference(width: number, height: number): Promise<Row> {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const {port: free} = probe.address() as {port: number}
      probe.close(() => resolve(free))
    })
  })
  const receiver = execa('ffmpeg', ['-hide_banner', '-nostats', '-loglevel', 'info', '-f', 'mjpeg', '-i', `tcp://127.0.0.1:${port}?listen=1`, '-f', 'null', '-'], {reject: false})
  const receiverCpu = cpuMeter(receiver)
  await new Promise((resolve) => setTimeout(resolve, 500))
  const sender = execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'rawvideo', '-pix_fmt', 'bgr24', '-s', `${width}x${height}`, '-r', '30', '-i', 'pipe:0', '-c:v', 'mjpeg', '-q:v', '5', '-f', 'mjpeg', `tcp://127.0.0.1:${port}`], {reject: false, stdin: 'pipe'})
  const senderCpu = cpuMeter(sender)
  const source = new SyntheticSource(width, height)
  const frames = SECONDS * 30
  const start = Date.now()
  for (let n = 0; n < frames; n++) {
    const wait = start + (n * 1000) / 30 - Date.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    const frame = await source.read()
    if (!sender.stdin!.write(frame.data)) await new Promise((resolve) => sender.stdin!.once('drain', resolve))
  }

  const elapsed = (Date.now() - start) / 1000
  sender.stdin!.end()
  await sender
  const rx = await receiver
  const decoded = /frame=\s*(\d+)/.exec(String(rx.stderr).split('\n').reverse().find((line) => line.includes('frame=')) ?? '')
  const size = /video:(\d+)KiB/.exec(String(rx.stderr))
  return {
    case: `ffmpeg→ffmpeg MJPEG/TCP ${width}x${height}@30, 1 conn`,
    fps: decoded ? Math.round((Number(decoded[1]) / elapsed) * 10) / 10 : null,
    'p50 ms': null,
    'p95 ms': null,
    kbps: size ? Math.round((Number(size[1]) * 1024 * 8) / 1000 / elapsed) : null,
    'sender CPU %': Math.round(senderCpu() * 10) / 10,
    'receiver CPU %': Math.round(receiverCpu() * 10) / 10,
    dropped: decoded ? frames - Number(decoded[1]) : null,
    freezes: null,
    outOfOrder: null,
  }
}

export const videoSuite: Suite = {
  name: 'video',
  description: `ivc stream-video over loopback, ${SECONDS} s per case (synthetic source, JPEG q80, null sink that decodes)`,
  async run() {
    const rows: Row[] = []
    for (const [width, height] of [
      [640, 480],
      [1280, 720],
    ]) {
      for (const connections of [1, 20]) {
        console.error(`bench video: ${width}x${height}, ${connections} connection(s)`)
        rows.push(await ivcCase(width, height, connections))
      }

      console.error(`bench video: ${width}x${height}, 20 connections, encrypted`)
      rows.push(await ivcCase(width, height, 20, true))

      rows.push(await ffmpegReference(width, height))
    }

    return rows
  },
}
