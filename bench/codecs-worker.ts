// One in-process codec case of the `codecs` suite, in a process of its own so that its RSS and CPU (library load
// included) are its own: `tsx bench/codecs-worker.ts CASE JSON-ARGS`. Prints one JSON line of measurements.
//   video cases (x264-ultrafast, x264-veryfast, vp8, jpeg): read raw bgr24 frames from `input`, encode each at 30 fps
//   (paced, as a camera would), decode it at once, write the decoded bgr24 frames to `output`.
//   audio cases (node-av-opus, discord-opus, pcm): encode and decode `frames` 20 ms frames of a 440 Hz tone, unpaced.
import {closeSync, openSync, readFileSync, writeSync} from 'node:fs'

import {FRAME_BYTES, FRAME_SAMPLES, SAMPLE_RATE} from '../src/media/audio/format.js'
import {ToneGenerator} from '../src/media/audio/tone.js'
import type {VideoCodec} from '../src/media/types.js'
import {nowMs, ownCpuMs, rssMb, sleep} from './codecs-measure.js'

export interface WorkerResult {
  encodeMs: number[]
  decodeMs: number[]
  encodeCpuMs: number
  decodeCpuMs: number
  wallMs: number
  bytes: number
  frames: number
  /** RSS rise from before the codec library loaded to the end of the run. */
  rssMb: number
}

interface VideoArgs {
  input: string
  output: string
  width: number
  height: number
  kbps: number
}

interface AudioArgs {
  frames: number
  kbps: number
}

/** A codec as the timing loop sees it: synchronous or not, one packet per frame (no B-frames, zero latency). */
interface Pair {
  encode(frame: Buffer): Buffer | Promise<Buffer>
  decode(packet: Buffer): Buffer | Promise<Buffer>
}

/** One of ivc's video codecs as the timing loop drives it: bgr24 frames in, bgr24 pictures out. */
function videoPair(codec: VideoCodec, {width, height}: VideoArgs): Pair {
  return {
    encode: (data) => codec.encode({width, height, format: 'bgr', data}),
    decode: async (payload) => (await codec.decode(payload)).data,
  }
}

/** ivc's own H.264 codec (src/plugins/video/h264-codec.ts) at `preset`: what `--codec h264` runs. */
async function x264(preset: 'ultrafast' | 'veryfast', args: VideoArgs): Promise<Pair> {
  const {H264Codec} = await import('../src/plugins/video/h264-codec.js')
  return videoPair(new H264Codec(30, args.kbps, preset), args)
}

/** ivc's own VP8 codec (src/plugins/video/vp8-codec.ts): what `--codec vp8` runs. */
async function vp8(args: VideoArgs): Promise<Pair> {
  const {Vp8Codec} = await import('../src/plugins/video/vp8-codec.js')
  return videoPair(new Vp8Codec(30, args.kbps), args)
}

async function jpeg(args: VideoArgs): Promise<Pair> {
  const {JpegCodec} = await import('../src/plugins/video/jpeg-codec.js')
  return videoPair(new JpegCodec(80), args)
}

async function nodeAvOpus({kbps}: AudioArgs): Promise<Pair> {
  const av = await import('node-av')
  const encoder = av.Codec.findEncoderByName('libopus')!
  const encoding = new av.CodecContext()
  encoding.allocContext3(encoder)
  encoding.sampleRate = SAMPLE_RATE
  encoding.channelLayout = av.AV_CHANNEL_LAYOUT_MONO
  encoding.sampleFormat = av.AV_SAMPLE_FMT_S16
  encoding.bitRate = BigInt(kbps * 1000)
  encoding.timeBase = new av.Rational(1, SAMPLE_RATE)
  check(encoding.open2Sync(encoder, options(av, {application: 'voip', frame_duration: '20', fec: '1', packet_loss: '10'})), 'open libopus')
  const decoder = av.Codec.findDecoderByName('libopus')!
  const decoding = new av.CodecContext()
  decoding.allocContext3(decoder)
  decoding.sampleRate = SAMPLE_RATE
  decoding.channelLayout = av.AV_CHANNEL_LAYOUT_MONO
  decoding.sampleFormat = av.AV_SAMPLE_FMT_S16
  check(decoding.open2Sync(decoder, null), 'open libopus decoder')
  const frame = new av.Frame()
  frame.alloc()
  frame.nbSamples = FRAME_SAMPLES
  frame.format = av.AV_SAMPLE_FMT_S16
  frame.sampleRate = SAMPLE_RATE
  frame.channelLayout = av.AV_CHANNEL_LAYOUT_MONO
  check(frame.getBuffer(0), 'audio frame buffer')
  const packet = new av.Packet()
  packet.alloc()
  const input = new av.Packet()
  input.alloc()
  const decoded = new av.Frame()
  decoded.alloc()
  let pts = 0n
  return {
    encode(pcm) {
      // The encoder may still hold the last frame's buffer: writable first (a copy only if it does).
      check(frame.makeWritable(), 'make the frame writable')
      writePlane(frame, pcm, FRAME_BYTES, 1)
      frame.pts = pts
      pts += BigInt(FRAME_SAMPLES)
      check(encoding.sendFrameSync(frame), 'send audio frame')
      const got = encoding.receivePacketSync(packet)
      // libopus holds back its look-ahead: the first frame's packet comes with the second.
      if (got === av.AVERROR_EAGAIN) return Buffer.alloc(0)
      check(got, 'receive opus packet')
      const out = Buffer.from(packet.data!)
      packet.unref()
      return out
    },
    decode(payload) {
      if (payload.length === 0) return Buffer.alloc(FRAME_BYTES)
      input.data = payload
      check(decoding.sendPacketSync(input), 'send opus packet')
      input.unref()
      check(decoding.receiveFrameSync(decoded), 'receive pcm')
      const out = Buffer.from(decoded.data![0].subarray(0, FRAME_BYTES))
      decoded.unref()
      return out
    },
  }
}

async function discordOpus({kbps}: AudioArgs): Promise<Pair> {
  const {createRequire} = await import('node:module')
  const {OpusEncoder} = createRequire(import.meta.url)('@discordjs/opus')
  const codec = new OpusEncoder(SAMPLE_RATE, 1)
  codec.setBitrate(kbps * 1000)
  // OPUS_SET_INBAND_FEC(1), OPUS_SET_PACKET_LOSS_PERC(10): as the node-av case.
  codec.applyEncoderCTL(4012, 1)
  codec.applyEncoderCTL(4014, 10)
  return {encode: (pcm) => codec.encode(pcm), decode: (payload) => codec.decode(payload)}
}

const pcm = (): Pair => ({encode: (frame) => Buffer.from(frame), decode: (payload) => Buffer.from(payload)})

/**
 * A Dictionary of codec options that lives as long as the process: node-av 6.1.1 crashes (free() of a bad pointer in
 * the Dictionary's finalizer) when one given to open2Sync is collected; avcodec_open2 has replaced what it points at.
 */
const openOptions: unknown[] = []
function options(av: typeof import('node-av'), values: Record<string, string>): import('node-av').Dictionary {
  const dictionary = av.Dictionary.fromObject(values)
  openOptions.push(dictionary)
  return dictionary
}

/** Copy `rows` rows of `rowBytes` from `data` into the first plane of `frame`, row by row at its stride. */
function writePlane(frame: import('node-av').Frame, data: Buffer, rowBytes: number, rows: number): void {
  const [plane] = frame.data!
  const stride = frame.linesize[0]
  for (let y = 0; y < rows; y++) data.copy(plane, y * stride, y * rowBytes, (y + 1) * rowBytes)
}

function check(code: number, what: string): void {
  if (code < 0) throw new Error(`${what}: FFmpeg error ${code}`)
}

async function timed(pair: Pair, frames: Iterable<Buffer>, pace: number | undefined, onDecoded: (picture: Buffer) => void): Promise<WorkerResult> {
  const result: WorkerResult = {encodeMs: [], decodeMs: [], encodeCpuMs: 0, decodeCpuMs: 0, wallMs: 0, bytes: 0, frames: 0, rssMb: 0}
  const start = nowMs()
  for (const frame of frames) {
    if (pace) await sleep(start + result.frames * pace - nowMs())
    const [t0, c0] = [nowMs(), ownCpuMs()]
    const packet = await pair.encode(frame)
    const [t1, c1] = [nowMs(), ownCpuMs()]
    const picture = await pair.decode(packet)
    const [t2, c2] = [nowMs(), ownCpuMs()]
    result.encodeMs.push(t1 - t0)
    result.decodeMs.push(t2 - t1)
    result.encodeCpuMs += c1 - c0
    result.decodeCpuMs += c2 - c1
    result.bytes += packet.length
    result.frames++
    onDecoded(picture)
  }

  result.wallMs = nowMs() - start
  return result
}

function* videoFrames(input: string, width: number, height: number): Generator<Buffer> {
  const all = readFileSync(input)
  const size = width * height * 3
  for (let at = 0; at + size <= all.length; at += size) yield all.subarray(at, at + size)
}

const [name, json] = process.argv.slice(2)
const args = JSON.parse(json)
const baseRss = rssMb()
let peakRss = baseRss
const cases: Record<string, () => Promise<WorkerResult>> = {
  'x264-ultrafast': () => video(() => x264('ultrafast', args)),
  'x264-veryfast': () => video(() => x264('veryfast', args)),
  vp8: () => video(() => vp8(args)),
  jpeg: () => video(() => jpeg(args)),
  'node-av-opus': () => audio(() => nodeAvOpus(args)),
  'discord-opus': () => audio(() => discordOpus(args)),
  pcm: () => audio(async () => pcm()),
}

async function video(make: () => Promise<Pair>): Promise<WorkerResult> {
  const {input, output, width, height} = args as VideoArgs
  // The frames are read before the library loads, so their memory is not counted as the codec's.
  const frames = [...videoFrames(input, width, height)]
  const before = rssMb()
  const pair = await make()
  const out = openSync(output, 'w')
  const result = await timed(pair, frames, 1000 / 30, (picture) => {
    peakRss = Math.max(peakRss, rssMb())
    writeSync(out, picture)
  })
  closeSync(out)
  return {...result, rssMb: peakRss - before}
}

async function audio(make: () => Promise<Pair>): Promise<WorkerResult> {
  const tone = new ToneGenerator(440)
  const frames = Array.from({length: (args as AudioArgs).frames}, (_, index) => tone.frame(index))
  const before = rssMb()
  const pair = await make()
  const result = await timed(pair, frames, undefined, () => {
    peakRss = Math.max(peakRss, rssMb())
  })
  return {...result, rssMb: peakRss - before}
}

// Exit at once, not by running dry: node-av 6.1.1 dies of SIGSEGV in the process's natural exit once a libx264 or
// libopus context has encoded a frame (seen here, freed contexts or not); process.exit skips what crashes.
process.stdout.write(JSON.stringify(await cases[name]()) + '\n', () => process.exit(0))
