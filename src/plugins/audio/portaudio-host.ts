import {type ChildProcess, spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import type {Socket} from 'node:net'
import {createInterface} from 'node:readline'
import {fileURLToPath} from 'node:url'

import {z} from 'zod'

import {type ErrorCode, ERRORS, IvcError} from '../../foundation/errors.js'
import type {Logger} from '../../foundation/logger.js'

const CHILD_JS = fileURLToPath(new URL('portaudio-child.js', import.meta.url))
// Under ./bin/dev.js the sources run through tsx, and only the .ts exists.
const CHILD_ARGS = existsSync(CHILD_JS) ? [CHILD_JS] : ['--import', 'tsx', fileURLToPath(new URL('portaudio-child.ts', import.meta.url))]

/** The child's status line after `@portaudio ` (portaudio-child.ts): a warning, the stream running, or why not. */
export const portAudioStatusSchema = z.object({
  ok: z.boolean().optional(),
  warn: z.string().optional(),
  error: z.object({code: z.string(), message: z.string()}).optional(),
})

/** A status line, or undefined when it is not one (logged at debug and otherwise ignored: the child's exit ends it). */
export function parsePortAudioStatus(text: string): z.infer<typeof portAudioStatusSchema> | undefined {
  try {
    const parsed = portAudioStatusSchema.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

export interface PortAudioStream {
  /** The PCM: readable for an input (microphone), writable for an output (speaker). */
  pcm: Socket
  /**
   * Stops the stream. With `drainMs`, an output first ends its PCM and waits up to that long for the child to play
   * what is queued and exit; then (or at once, for an input) the pipe is destroyed and the child killed if it lingers.
   */
  close(drainMs?: number): Promise<void>
}

/** How long a child may take to exit once its pipe is gone before it is killed. */
const EXIT_GRACE_MS = 2000

/**
 * Opens a PortAudio stream in a child process (portaudio-child.ts) so naudiodon's printf()s never reach our stdout;
 * the PCM flows through a pipe on the child's fd 3. Resolves once the stream runs; an open failure becomes the
 * child's one-line error (NO_DEVICE, BACKEND_MISSING).
 */
export async function openPortAudio(direction: 'input' | 'output', device: {id: number; name: string}, logger?: Logger): Promise<PortAudioStream> {
  const child: ChildProcess = spawn(process.execPath, [...CHILD_ARGS, direction, String(device.id)], {stdio: ['ignore', 'ignore', 'pipe', 'pipe']})
  const pcm = child.stdio[3] as Socket
  pcm.on('error', () => {})
  const opened = new Promise<void>((resolve, reject) => {
    // The child's stderr carries PortAudio/ALSA noise plus our @portaudio status lines.
    createInterface({input: child.stderr!}).on('line', (line) => {
      if (!line.startsWith('@portaudio ')) return logger?.debug(`portaudio: ${line}`)
      const message = parsePortAudioStatus(line.slice('@portaudio '.length))
      if (!message) logger?.debug(`portaudio: malformed status line ignored: ${line}`)
      else if (message.warn) logger?.warn(`audio ${direction}: ${message.warn}`)
      else if (message.ok) resolve()
      else {
        const code: ErrorCode = message.error && Object.hasOwn(ERRORS, message.error.code) ? (message.error.code as ErrorCode) : 'NO_DEVICE'
        reject(new IvcError(code, `cannot open audio ${direction} device ${device.id} "${device.name}": ${message.error?.message}`))
      }
    })
    child.once('exit', (code) => reject(new IvcError('NO_DEVICE', `the audio ${direction} of device ${device.id} "${device.name}" stopped (exit ${code})`)))
    child.once('error', (error) => reject(new IvcError('BACKEND_MISSING', `cannot start the audio helper: ${error.message}`)))
  })
  await opened
  return {
    pcm,
    async close(drainMs = 0) {
      const running = () => child.exitCode === null && child.signalCode === null
      if (!running()) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      if (drainMs > 0) {
        pcm.end()
        // Real time, not a Clock: the device plays in real time.
        let timer: NodeJS.Timeout | undefined
        await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, drainMs)))])
        clearTimeout(timer)
        if (!running()) return
        logger?.warn(`audio ${direction}: the device did not finish playing within ${drainMs} ms; what is left is dropped`)
      }

      pcm.destroy()
      // Real time, not a Clock: a kill deadline for a real child process.
      const timer = setTimeout(() => {
        logger?.debug(`audio ${direction}: the helper did not exit within ${EXIT_GRACE_MS} ms of its pipe closing: killed`)
        child.kill('SIGKILL')
      }, EXIT_GRACE_MS)
      await exited
      clearTimeout(timer)
    },
  }
}
