import {execa} from 'execa'

import {IvcError} from '../../foundation/errors.js'
import type {Logger} from '../../foundation/logger.js'
import {FRAME_BYTES, SAMPLE_RATE} from '../../media/audio/format.js'
import type {AudioSink} from '../../media/audio/types.js'

/** ffplay's stdin may hold this much before frames are dropped (0.5 s): a stuck player must not grow memory. */
const MAX_PIPE_BYTES = 25 * FRAME_BYTES

export const FFPLAY_AUDIO_ARGS = [
  '-nodisp', '-autoexit', '-hide_banner', '-loglevel', 'error',
  // Raw PCM needs no probing; these keep ffplay from buffering before it starts to play.
  '-fflags', 'nobuffer', '-probesize', '32', '-analyzeduration', '0',
  '-f', 's16le', '-ar', String(SAMPLE_RATE), '-ch_layout', 'mono', '-i', '-',
]

/**
 * The `ffplay` sink: raw PCM into `ffplay -nodisp` on stdin. Writes honour the pipe's backpressure up to half a
 * second, then frames are dropped and counted. ffplay's exit status is not trusted (it exits 0 on many failures);
 * what it wrote to stderr is logged instead.
 */
export function createFfplaySink(logger?: Logger): AudioSink {
  const child = execa('ffplay', FFPLAY_AUDIO_ARGS, {stdin: 'pipe', stdout: 'ignore', stderr: 'pipe', reject: false, buffer: {stderr: true}})
  let exited = false
  let frames = 0
  let dropped = 0
  void child.then((result) => {
    exited = true
    const text = String(result.stderr ?? '').trim()
    if (result.failed && (result as {code?: string}).code === 'ENOENT') logger?.error('ffplay is not on PATH')
    else if (text) logger?.warn(`ffplay: ${text.split('\n').at(-1)}`)
  })
  child.stdin!.on('error', (error) => logger?.debug(`ffplay stdin: ${error.message}`))
  return {
    write(pcm: Buffer) {
      if (exited || !child.stdin!.writable) {
        dropped++
        return
      }

      if (child.stdin!.writableLength > MAX_PIPE_BYTES) {
        dropped++
        return
      }

      frames++
      child.stdin!.write(pcm)
    },
    async close() {
      child.stdin!.end()
      // Real time, not a Clock: a kill deadline for a real child process.
      const timer = setTimeout(() => child.kill('SIGTERM'), 3000)
      await child
      clearTimeout(timer)
      if (dropped > 0) logger?.warn(`ffplay could not keep up: ${dropped} frames dropped`)
      if (frames === 0 && exited && child.exitCode === null) throw new IvcError('EXTERNAL_TOOL_FAILED', 'ffplay did not start')
      return {sink: 'ffplay', frames, dropped}
    },
  }
}
