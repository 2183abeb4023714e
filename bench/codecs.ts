// Suite `codecs` (issue 18): which library ivc's real codecs should use, measured side by side in one run.
// Video, 640x480@30 from the synthetic source and from FFmpeg's lavfi testsrc2, at a target of 800 kbit/s, every
// library below; then ivc's three codecs (h264 veryfast, vp8, jpeg) on lavfi's mandelbrot (a picture that changes
// everywhere) at 640x480, and at 1280x720@30 (target 2000 kbit/s) from the synthetic source and testsrc2:
//   - h264 in-process: node-av's libx264 (preset ultrafast and veryfast, tune zerolatency, no B-frames), encode then
//     decode each frame at once (codecs-worker.ts);
//   - vp8 in-process: ivc's VP8 codec, node-av's libvpx (deadline realtime, cpu-used 8, no lookahead or alt-ref, CBR);
//   - h264 in two ffmpeg children (Debian's ffmpeg, raw frames on stdin, packets on stdout; codecs-ffmpeg.ts);
//   - the JPEG codec ivc has today (OpenCV, quality 80: it has no bitrate target, its kbps says what it costs).
// Each: encode and decode latency per frame (p50/p95), CPU (% of one core at 30 fps: this process's CPU around the
// codec calls, or the children's CPU), RSS (rise above the process's before the library loaded, or the children's
// peak), bitrate, and SSIM/PSNR of the decoded frames against the sent ones (FFmpeg's ssim and psnr filters).
// Audio, 20 ms frames of a 440 Hz tone at 32 kbit/s: libopus through node-av, @discordjs/opus, and PCM as it is
// today: encode/decode time per frame, CPU (% of one core in real time), RSS rise, bitrate.
// Every in-process case runs in a process of its own, so its RSS and library load are its own. The machine is
// shared (2 cores, other work running): read the numbers as a comparison within one run, not as absolutes.
// IVC_BENCH_CODECS_SECONDS sets the seconds of video per case (default 3). @discordjs/opus is not one of ivc's
// dependencies (docs/codecs.md says why): `npm install --no-save @discordjs/opus` (it compiles libopus, ~3 min) gives
// its row numbers; without it the row shows only that it is missing.
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {execa} from 'execa'

import {SyntheticSource} from '../src/plugins/video/synthetic-source.js'
import {scatterChartPng} from './chart.js'
import {debianMb, installMb, percentile, quality, round} from './codecs-measure.js'
import {ffmpegChildren} from './codecs-ffmpeg.js'
import type {WorkerResult} from './codecs-worker.js'
import type {Row, Suite} from './run.js'

const WORKER = fileURLToPath(new URL('codecs-worker.ts', import.meta.url))
const SECONDS = Number(process.env.IVC_BENCH_CODECS_SECONDS ?? 3)
/** One picture size at one target bitrate: 1280x720 has 3x the pixels of 640x480, and 2.5x its bits. */
interface VideoSize {
  width: number
  height: number
  kbps: number
}
const VGA: VideoSize = {width: 640, height: 480, kbps: 800}
const HD: VideoSize = {width: 1280, height: 720, kbps: 2000}
const AUDIO_KBPS = 32
const AUDIO_FRAMES = 500 // 10 s of audio, unpaced

const NODE_AV = ['node-av', '@seydx/node-av-linux-x64']
const DISCORD_OPUS = ['@discordjs/opus', '@discordjs/node-pre-gyp']
/** What Debian's ffmpeg needs installed for libx264 (its other libraries' dependencies not counted). */
const DEBIAN_FFMPEG = ['ffmpeg', 'libavcodec59', 'libavformat59', 'libavfilter8', 'libavutil57', 'libswscale6', 'libswresample4', 'libavdevice59', 'libpostproc56', 'libx264-164', 'libopus0']

async function worker(name: string, args: object): Promise<WorkerResult | undefined> {
  const run = await execa(process.execPath, ['--import', 'tsx', WORKER, name, JSON.stringify(args)], {reject: false, env: {AV_LOG_FORCE_NOCOLOR: '1'}})
  if (run.exitCode !== 0) {
    console.error(`bench codecs: ${name} failed: ${run.stderr.split('\n').filter((line) => line.trim()).slice(-3).join(' / ')}`)
    return undefined
  }

  return JSON.parse(run.stdout.trim().split('\n').at(-1)!)
}

function timings(result: WorkerResult, realTimeMs: number): Row {
  return {
    'enc p50 ms': round(percentile(result.encodeMs, 50), 3),
    'enc p95 ms': round(percentile(result.encodeMs, 95), 3),
    'dec p50 ms': round(percentile(result.decodeMs, 50), 3),
    'dec p95 ms': round(percentile(result.decodeMs, 95), 3),
    'enc CPU %': round((100 * result.encodeCpuMs) / realTimeMs, 1),
    'dec CPU %': round((100 * result.decodeCpuMs) / realTimeMs, 1),
    'RSS MB': round(result.rssMb, 1),
    kbps: round((result.bytes * 8) / realTimeMs, 1),
  }
}

/** The sent frames of one source at one size, as a raw bgr24 file. */
async function sourceFile(dir: string, name: string, {width, height}: VideoSize): Promise<string> {
  const path = join(dir, `${name}-${width}x${height}.bgr`)
  const frames = SECONDS * 30
  if (name === 'synthetic') {
    const source = new SyntheticSource(width, height)
    const all: Buffer[] = []
    for (let n = 0; n < frames; n++) all.push(Buffer.from((await source.read()).data))
    writeFileSync(path, Buffer.concat(all))
  } else {
    await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `${name}=size=${width}x${height}:rate=30`, '-frames:v', String(frames), '-f', 'rawvideo', '-pix_fmt', 'bgr24', '-y', path])
  }

  return path
}

type VideoCase = {name: string; install: number | null; run: (input: string, output: string, size: VideoSize) => Promise<WorkerResult | undefined>}

const inWorker =
  (name: string): VideoCase['run'] =>
    (input, output, {width, height, kbps}) =>
      worker(name, {input, output, width, height, kbps})

/** ivc's codecs: what a call uses. */
const IVC_CODECS: VideoCase[] = [
  {name: 'h264 node-av veryfast', install: installMb(...NODE_AV), run: inWorker('x264-veryfast')},
  {name: 'vp8 node-av (libvpx realtime)', install: installMb(...NODE_AV), run: inWorker('vp8')},
  {name: 'jpeg q80 (today)', install: installMb('@u4/opencv4nodejs'), run: inWorker('jpeg')},
]

/** ivc's codecs and the alternatives they were chosen over. */
const LIBRARIES: VideoCase[] = [
  {name: 'h264 node-av ultrafast', install: installMb(...NODE_AV), run: inWorker('x264-ultrafast')},
  IVC_CODECS[0],
  IVC_CODECS[1],
  {name: 'h264 ffmpeg child ultrafast', install: debianMb(...DEBIAN_FFMPEG), run: (input, output, {width, height, kbps}) => ffmpegChildren('ultrafast', input, output, width, height, kbps)},
  IVC_CODECS[2],
]

async function videoRows(dir: string, source: string, size: VideoSize, cases: VideoCase[]): Promise<Row[]> {
  const input = await sourceFile(dir, source, size)
  const {width, height} = size
  const rows: Row[] = []
  for (const each of cases) {
    console.error(`bench codecs: ${source} ${width}x${height}, ${each.name}`)
    const output = join(dir, 'decoded.bgr')
    const result = await each.run(input, output, size)
    const named = {case: each.name, source, size: `${width}x${height}`}
    if (!result) {
      rows.push({...named, 'install MB': each.install})
      continue
    }

    const {ssim, psnr} = await quality(input, output, width, height)
    rows.push({...named, ...timings(result, (result.frames * 1000) / 30), 'SSIM Y': round(ssim, 4), 'PSNR Y dB': round(psnr, 2), 'install MB': each.install})
  }

  return rows
}

async function audioRows(): Promise<Row[]> {
  const cases = [
    {name: 'opus node-av (libopus)', worker: 'node-av-opus', install: installMb(...NODE_AV)},
    {name: 'opus @discordjs/opus', worker: 'discord-opus', install: installMb(...DISCORD_OPUS)},
    {name: 'pcm (today)', worker: 'pcm', install: 0},
  ]
  const rows: Row[] = []
  for (const each of cases) {
    console.error(`bench codecs: audio, ${each.name}`)
    const result = await worker(each.worker, {frames: AUDIO_FRAMES, kbps: AUDIO_KBPS})
    rows.push(result ? {case: each.name, source: '440 Hz tone', ...timings(result, result.frames * 20), 'install MB': each.install} : {case: each.name, source: '440 Hz tone', 'install MB': each.install})
  }

  return rows
}

/** bench/results/codecs-quality.png: each video case's bitrate against its SSIM, a series per codec of ivc's. */
function writeChart(rows: Row[]): void {
  const series = IVC_CODECS.map(({name}) => ({
    name,
    points: rows.filter((row) => row.case === name && typeof row['SSIM Y'] === 'number').map((row) => ({x: Number(row.kbps), y: Number(row['SSIM Y']), label: `${row.source} ${row.size}`})),
  }))
  const results = new URL('results/', import.meta.url)
  mkdirSync(results, {recursive: true})
  const png = scatterChartPng({title: 'Video codecs: bitrate against picture quality (SSIM of luma), one point per source and size', xName: 'kbit/s (log)', yName: 'SSIM Y', series})
  writeFileSync(new URL('codecs-quality.png', results), png)
}

export const codecsSuite: Suite = {
  name: 'codecs',
  description:
    `codec libraries side by side: h264 (node-av in-process vs ffmpeg children), vp8 (node-av) and jpeg at 640x480@30 (target ${VGA.kbps} kbit/s), ` +
    `ivc's three on mandelbrot and at 1280x720@30 (target ${HD.kbps} kbit/s), ${SECONDS} s per case; opus (node-av vs @discordjs/opus) and pcm at ${AUDIO_KBPS} kbit/s, ${AUDIO_FRAMES} frames of 20 ms; ` +
    'CPU % of one core in real time; RSS MB added by the codec (children: their peak); install MB on disk',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'ivc-codecs-'))
    try {
      const runs: Array<[string, VideoSize, VideoCase[]]> = [
        ['synthetic', VGA, LIBRARIES],
        ['testsrc2', VGA, LIBRARIES],
        ['mandelbrot', VGA, IVC_CODECS],
        ['synthetic', HD, IVC_CODECS],
        ['testsrc2', HD, IVC_CODECS],
      ]
      const rows: Row[] = []
      for (const [source, size, cases] of runs) rows.push(...(await videoRows(dir, source, size, cases)))
      writeChart(rows)
      return [...rows, ...(await audioRows())]
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  },
}
