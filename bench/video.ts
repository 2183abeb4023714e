// Suite `video`: ivc stream-video over loopback (640x480 and 1280x720 at 30 fps, 1 and 20 connections, and 20
// encrypted with TLS as in a call), measured by the receiver's summary and /proc CPU time of both processes; plus
// ffmpeg → MJPEG over one TCP connection → ffmpeg, fed the same synthetic frames, as a reference. Each ivc row gives
// its CPU as a multiple of the reference's of the same size, measured in the same run (issue 12's target: ≤ 2×).
// Like with like: CPU is counted over the same steady-state window of every case (from WARMUP_S after the sender
// starts to the end of its frames), so process start-up (the `startup` suite's subject) is left out on both sides.
// Both receivers decode every frame in full: ffmpeg's `-f null` output goes through its MJPEG decoder, ivc's null sink
// decodes each JPEG with OpenCV (libjpeg-turbo) and reads the stamped number back. The ivc sender draws its own
// frames (a memcpy per row, see synthetic-source.ts); ffmpeg reads raw frames from a pipe (a copy too) that this
// process draws. Both encode 4:2:0 JPEG (OpenCV's default; ffmpeg would pick 4:4:4 for BGR input), ffmpeg at its
// finest quantiser (-q:v 2), which still gives fewer bytes than OpenCV's quality 80 (the kbps column shows both).
// An H.264 and a VP8 row per size (`--codec h264|vp8`, libx264 veryfast or libvpx realtime at 800 kbit/s without
// adaptation, decoded by the null sink) sit beside JPEG's at 20 connections, when node-av has the encoder.
// IVC_BENCH_VIDEO_SECONDS shortens the runs (default 10). The sender runs with --adapt off: this measures the pipeline
// at the size asked for (gcc would spend the first seconds climbing to it); adaptation has its own benchmark, bench:net.
import {readFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {fileURLToPath} from 'node:url'

import {execa} from 'execa'

import {probeNodeAvH264, probeNodeAvVp8} from '../src/plugins/native.js'
import {SyntheticSource} from '../src/plugins/video/synthetic-source.js'
import {newStreamSecret} from '../src/security/stream-secret.js'
import type {Row, Suite} from './run.js'
import {BENCH_CONFIG_HOME} from './config-home.js'

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const SECONDS = Number(process.env.IVC_BENCH_VIDEO_SECONDS ?? 10)
const TICKS_PER_SECOND = 100 // Linux USER_HZ

/** CPU seconds used so far by a process (utime + stime from /proc), or undefined once it is gone. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (!pid) return undefined
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
  } catch {
    return undefined
  }
}

/** CPU counted from this long after the sender starts (start-up, connections and codec loading are done by then). */
const WARMUP_S = Math.min(3, SECONDS / 2)

/**
 * % of one core each process uses over the steady state: from WARMUP_S after `senderStart` (Date.now()) to SECONDS
 * after it, when the sender is still sending (it stops SECONDS after it starts streaming, which is later).
 */
async function steadyCpu(senderStart: number, pids: Array<number | undefined>): Promise<number[]> {
  const until = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, senderStart + at * 1000 - Date.now())))
  await until(WARMUP_S)
  const from = pids.map(cpuSeconds)
  const fromAt = Date.now()
  await until(SECONDS)
  const to = pids.map(cpuSeconds)
  const seconds = (Date.now() - fromAt) / 1000
  return to.map((used, index) => (used === undefined || from[index] === undefined ? Number.NaN : round1((100 * (used - from[index]!)) / seconds)))
}

const round1 = (value: number) => Math.round(value * 10) / 10

const ivc = (args: string[], secret?: string) =>
  execa('node', [BIN, ...args], {reject: false, env: {XDG_CONFIG_HOME: BENCH_CONFIG_HOME, ...(secret ? {IVC_MEDIA_SECRET: secret} : {})}})

/** With `encrypted`, both ends share a secret, so every connection is TLS 1.3 (as in a call). */
async function ivcCase(width: number, height: number, connections: number, encrypted = false, codec: 'jpeg' | 'h264' | 'vp8' = 'jpeg'): Promise<Row> {
  const secret = encrypted ? newStreamSecret() : undefined
  const receiver = ivc(['stream-video', '--listen', '--port', '0', '--sink', 'null', '--json', '--codec', codec, '--duration', String(SECONDS + 6)], secret)
  const port = await new Promise<number>((resolve, reject) => {
    receiver.stdout!.on('data', (chunk: Buffer) => {
      const match = /"listening","port":(\d+)/.exec(chunk.toString())
      if (match) resolve(Number(match[1]))
    })
    void receiver.then(() => reject(new Error('receiver exited before listening')))
  })
  const sender = ivc(['stream-video', '--to', `127.0.0.1:${port}`, '--size', `${width}x${height}`, '--fps', '30', '--connections', String(connections), '--codec', codec, '--duration', String(SECONDS), '--adapt', 'off', '--json'], secret)
  const [senderCpu, receiverCpu] = await steadyCpu(Date.now(), [sender.pid, receiver.pid])
  const [tx, rx] = await Promise.all([sender, receiver])
  const summary = JSON.parse(String(rx.stdout).trim().split('\n').at(-1)!)
  const sent = JSON.parse(String(tx.stdout).trim().split('\n').at(-1)!)
  return {
    case: `ivc ${{jpeg: '', h264: 'H.264 ', vp8: 'VP8 '}[codec]}${width}x${height}@30, ${connections} conn${encrypted ? ', TLS' : ''}`,
    fps: summary.fps,
    'p50 ms': summary.latencyMs.p50,
    'p95 ms': summary.latencyMs.p95,
    kbps: summary.kbps,
    'sender CPU %': senderCpu,
    'receiver CPU %': receiverCpu,
    dropped: summary.dropped + sent.dropped,
    freezes: summary.freezes,
    outOfOrder: summary.outOfOrder,
  }
}

/** ffmpeg encodes our synthetic frames to 4:2:0 MJPEG (see the header) over one TCP connection; ffmpeg decodes them (to `-f null`). */
async function ffmpegReference(width: number, height: number): Promise<Row> {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const {port: free} = probe.address() as {port: number}
      probe.close(() => resolve(free))
    })
  })
  const receiver = execa('ffmpeg', ['-hide_banner', '-nostats', '-loglevel', 'info', '-f', 'mjpeg', '-i', `tcp://127.0.0.1:${port}?listen=1`, '-f', 'null', '-'], {reject: false})
  await new Promise((resolve) => setTimeout(resolve, 500))
  // Log level info, without the progress line: the sender's last lines say how many bytes of video it wrote.
  const sender = execa('ffmpeg', ['-hide_banner', '-nostats', '-loglevel', 'info', '-f', 'rawvideo', '-pix_fmt', 'bgr24', '-s', `${width}x${height}`, '-r', '30', '-i', 'pipe:0', '-pix_fmt', 'yuvj420p', '-c:v', 'mjpeg', '-q:v', '2', '-f', 'mjpeg', `tcp://127.0.0.1:${port}`], {reject: false, stdin: 'pipe'})
  const cpu = steadyCpu(Date.now(), [sender.pid, receiver.pid])
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
  const [senderCpu, receiverCpu] = await cpu
  sender.stdin!.end()
  const tx = await sender
  const rx = await receiver
  const decoded = /frame=\s*(\d+)/.exec(String(rx.stderr).split('\n').reverse().find((line) => line.includes('frame=')) ?? '')
  // "video:523kB" (ffmpeg 5) or "video:523KiB" (ffmpeg 7): the MJPEG the sender wrote.
  const size = /video:(\d+)(?:kB|KiB)/.exec(String(tx.stderr))
  return {
    case: `ffmpeg→ffmpeg MJPEG/TCP ${width}x${height}@30, 1 conn`,
    fps: decoded ? Math.round((Number(decoded[1]) / elapsed) * 10) / 10 : null,
    'p50 ms': null,
    'p95 ms': null,
    kbps: size ? Math.round((Number(size[1]) * 1024 * 8) / 1000 / elapsed) : null,
    'sender CPU %': senderCpu,
    'receiver CPU %': receiverCpu,
    dropped: decoded ? frames - Number(decoded[1]) : null,
    freezes: null,
    outOfOrder: null,
  }
}

/** Issue 12's target: ivc's CPU on each side at most this many times the ffmpeg reference's. */
const RATIO_TARGET = 2

/** Each ivc row's CPU as a multiple of the reference's (same size, same run), beside its CPU. */
function withRatios(rows: Row[], reference: Row): Row[] {
  const ratio = (value: Row[string], base: Row[string]) => (typeof value === 'number' && typeof base === 'number' && base > 0 ? Math.round((value / base) * 100) / 100 : null)
  return rows.map((row) => ({
    ...row,
    'sender × ffmpeg': ratio(row['sender CPU %'], reference['sender CPU %']),
    'receiver × ffmpeg': ratio(row['receiver CPU %'], reference['receiver CPU %']),
  }))
}

export const videoSuite: Suite = {
  name: 'video',
  description: `ivc stream-video over loopback, ${SECONDS} s per case (synthetic source, JPEG q80, or H.264 or VP8 at 800 kbit/s; null sink that decodes); CPU % of one core over the steady state (${WARMUP_S} s to ${SECONDS} s after the sender starts), and as a multiple of ffmpeg → ffmpeg MJPEG in the same run (target ≤ ${RATIO_TARGET}×)`,
  async run() {
    const rows: Row[] = []
    for (const [width, height] of [
      [640, 480],
      [1280, 720],
    ]) {
      const sized: Row[] = []
      for (const connections of [1, 20]) {
        console.error(`bench video: ${width}x${height}, ${connections} connection(s)`)
        sized.push(await ivcCase(width, height, connections))
      }

      console.error(`bench video: ${width}x${height}, 20 connections, encrypted`)
      sized.push(await ivcCase(width, height, 20, true))

      if (probeNodeAvH264().ok) {
        console.error(`bench video: ${width}x${height}, 20 connections, H.264`)
        sized.push(await ivcCase(width, height, 20, false, 'h264'))
      }

      if (probeNodeAvVp8().ok) {
        console.error(`bench video: ${width}x${height}, 20 connections, VP8`)
        sized.push(await ivcCase(width, height, 20, false, 'vp8'))
      }

      console.error(`bench video: ${width}x${height}, ffmpeg reference`)
      const reference = await ffmpegReference(width, height)
      rows.push(...withRatios(sized, reference), reference)
    }

    return rows
  },
}
