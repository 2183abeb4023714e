// The `codecs` suite's child-process case: Debian's ffmpeg encodes raw bgr24 frames from its stdin with libx264
// (-tune zerolatency, no B-frames) to an H.264 stream on its stdout, which this process passes on as it comes to a
// second ffmpeg that decodes it back to bgr24 — the shape an ffmpeg-child codec plugin would have.
// Frame n's encode latency: frame n written → the access unit delimiter that starts its packet read back (the
// encoder inserts one per frame, so the byte stream can be cut into frames without parsing). Decode latency: that
// moment → frame n's last decoded byte read back. The decoder's H.264 parser only knows a frame is complete when the
// next one starts, so it holds each frame until the next is encoded: one frame interval (33 ms at 30 fps) that any
// raw Annex B pipe pays, a framed container between the two would not.
import {readFileSync, writeFileSync} from 'node:fs'

import {execa} from 'execa'

import {childCpuMs, childPeakRssMb, nowMs, ownCpuMs, sleep} from './codecs-measure.js'
import type {WorkerResult} from './codecs-worker.js'

const AUD = Buffer.from([0, 0, 1, 9])

export async function ffmpegChildren(preset: string, input: string, output: string, width: number, height: number, kbps: number): Promise<WorkerResult> {
  const frameBytes = width * height * 3
  const all = readFileSync(input)
  const frames = Math.floor(all.length / frameBytes)
  const quiet = ['-hide_banner', '-nostats', '-loglevel', 'error']
  const encoder = execa(
    'ffmpeg',
    [
      ...quiet,
      ...['-f', 'rawvideo', '-pix_fmt', 'bgr24', '-s', `${width}x${height}`, '-r', '30', '-i', 'pipe:0'],
      ...['-c:v', 'libx264', '-preset', preset, '-tune', 'zerolatency', '-bf', '0', '-g', '300', '-pix_fmt', 'yuv420p'],
      ...['-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps / 2}k`],
      ...['-bsf:v', 'h264_metadata=aud=insert', '-flush_packets', '1', '-f', 'h264', 'pipe:1'],
    ],
    {reject: false, stdin: 'pipe', stdout: 'pipe', buffer: false},
  )
  const decoder = execa(
    'ffmpeg',
    [...quiet, '-probesize', '32', '-analyzeduration', '0', '-flags', 'low_delay', '-threads', '1', '-f', 'h264', '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'bgr24', 'pipe:1'],
    {reject: false, stdin: 'pipe', stdout: 'pipe', buffer: false},
  )

  const written: number[] = []
  const encodedAt: number[] = []
  const decodedAt: number[] = []
  let bytes = 0
  let tail = Buffer.alloc(0)
  encoder.stdout!.on('data', (chunk: Buffer) => {
    const at = nowMs()
    bytes += chunk.length
    // Count the delimiters in this chunk (one may straddle the previous chunk's end).
    const scan = Buffer.concat([tail, chunk])
    for (let index = scan.indexOf(AUD); index !== -1; index = scan.indexOf(AUD, index + 1)) encodedAt.push(at)
    tail = scan.subarray(Math.max(0, scan.length - (AUD.length - 1)))
    decoder.stdin!.write(chunk)
  })
  encoder.stdout!.on('end', () => decoder.stdin!.end())

  // Kept in memory until the end: writing the file is not the codec's work, and would count as this process's CPU.
  const pictures: Buffer[] = []
  let pending = 0
  decoder.stdout!.on('data', (chunk: Buffer) => {
    const at = nowMs()
    pictures.push(chunk)
    pending += chunk.length
    while (pending >= frameBytes) {
      pending -= frameBytes
      decodedAt.push(at)
    }
  })
  const decoderDone = new Promise((resolve) => decoder.stdout!.on('end', resolve))

  // Both have loaded by now; CPU is counted from here on, as for the in-process cases after their library loads.
  await sleep(500)
  const cpuFrom = [childCpuMs(encoder.pid), childCpuMs(decoder.pid), ownCpuMs()]
  const start = nowMs()
  for (let n = 0; n < frames; n++) {
    await sleep(start + (n * 1000) / 30 - nowMs())
    written.push(nowMs())
    if (!encoder.stdin!.write(all.subarray(n * frameBytes, (n + 1) * frameBytes))) await new Promise((resolve) => encoder.stdin!.once('drain', resolve))
  }

  // The last frame is decoded only once the stream ends (see the header): measure up to the one before it.
  const until = nowMs() + 5000
  while (decodedAt.length < frames - 1 && nowMs() < until) await sleep(5)
  const wallMs = nowMs() - start
  const cpuTo = [childCpuMs(encoder.pid), childCpuMs(decoder.pid), ownCpuMs()]
  const rssMb = childPeakRssMb(encoder.pid) + childPeakRssMb(decoder.pid)
  encoder.stdin!.end()
  await Promise.all([encoder, decoder, decoderDone])
  writeFileSync(output, Buffer.concat(pictures))
  const counted = Math.min(written.length, encodedAt.length, decodedAt.length, frames - 1)
  return {
    encodeMs: Array.from({length: counted}, (_, n) => encodedAt[n] - written[n]),
    decodeMs: Array.from({length: counted}, (_, n) => decodedAt[n] - encodedAt[n]),
    // This process's share (writing frames, passing packets on, reading pictures back) is what an ivc process
    // driving the children would pay too: counted with the encoder.
    encodeCpuMs: cpuTo[0] - cpuFrom[0] + (cpuTo[2] - cpuFrom[2]),
    decodeCpuMs: cpuTo[1] - cpuFrom[1],
    wallMs,
    bytes,
    frames: decodedAt.length,
    rssMb,
  }
}
