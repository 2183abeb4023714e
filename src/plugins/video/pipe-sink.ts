import {execa, type ResultPromise} from 'execa'

import {IvcError} from '../../foundation/errors.js'
import type {Logger} from '../../foundation/logger.js'
import {scaleFrame} from '../../media/video/encode-at.js'
import type {VideoFormat} from '../../media/video/formats.js'
import {jpegSize} from '../../media/video/jpeg-size.js'
import type {SinkFrame, SinkReport, VideoFrame, VideoSink} from '../../media/types.js'

/** ffplay's once-a-frame status line ("  1.23 M-V: ..."), too chatty even for debug. */
const STATUS_LINE = /^\s*(nan|-?[\d.]+)\s+(M-V|A-V|M-A|V-A):/

export interface PipeInput {
  /** The input options ffmpeg/ffplay need for what arrives: MJPEG passes through, pixels become rawvideo. */
  args: string[]
  /** Pixels lose their size on the pipe (and must all have the first frame's). */
  raw: boolean
  /** The first frame's size, when it can be read. */
  size: {width: number; height: number} | undefined
}

export function inputArgs(frame: SinkFrame): PipeInput {
  if (frame.encoded) return {args: ['-f', 'mjpeg'], raw: false, size: jpegSize(frame.encoded.payload)}
  const {picture} = frame
  const pixelFormat = picture.format === 'bgr' ? 'bgr24' : 'gray'
  return {args: ['-f', 'rawvideo', '-pixel_format', pixelFormat, '-video_size', `${picture.width}x${picture.height}`], raw: true, size: {width: picture.width, height: picture.height}}
}

/**
 * Raw video is headerless on the pipe, so every frame must have the first one's size: adaptation's smaller frames
 * are scaled back up to it (MJPEG needs none of this: each JPEG carries its size and the player scales it).
 */
function pixelsAt(picture: VideoFrame, size: {width: number; height: number}): Buffer {
  return picture.width === size.width && picture.height === size.height ? picture.data : scaleFrame(picture, size.width, size.height).data
}

/**
 * A sink that feeds frames to an external program's stdin (ffplay, ffmpeg): MJPEG as it arrived (the program decodes
 * it), any other format as the pixels the receiver decoded it to. The program starts on the first frame
 * (raw input needs its size; a window takes it). A full pipe drops frames rather than queueing them; the program dying or a broken pipe
 * is EXTERNAL_TOOL_FAILED, and its stderr goes to the debug log. Its exit code is not trusted either way.
 */
export interface PipeSinkOptions {
  /** Most bytes allowed to wait in the pipe before frames are dropped; default 1 MiB. */
  maxPipeBytes?: number
  /** Called once the program has exited, however it ended (a window gives back its place on the screen). */
  onExit?: () => void
}

export class PipeSink implements VideoSink {
  readonly passes: readonly VideoFormat[] = ['mjpeg']
  readonly failed: Promise<Error>
  #fail!: (error: Error) => void
  #child: ResultPromise | undefined
  /** Set for raw video only: the size every frame goes down the pipe at. */
  #rawSize: {width: number; height: number} | undefined
  #closing = false
  #dropped = 0

  constructor(
    readonly name: string,
    private readonly program: string,
    private readonly args: (input: PipeInput) => string[],
    private readonly logger: Logger,
    private readonly options: PipeSinkOptions = {},
  ) {
    this.failed = new Promise((resolve) => (this.#fail = resolve))
  }

  async render(frame: SinkFrame): Promise<'rendered' | 'dropped'> {
    const child = this.#child ?? this.#start(frame)
    const stdin = child.stdin
    if (!stdin || stdin.destroyed || !stdin.writable || stdin.writableLength > (this.options.maxPipeBytes ?? 1 << 20)) {
      this.#dropped++
      return 'dropped'
    }

    const payload = frame.encoded ? frame.encoded.payload : pixelsAt(frame.picture, this.#rawSize ?? frame.picture)
    return new Promise((resolve) => stdin.write(payload, (error) => resolve(error ? 'dropped' : 'rendered')))
  }

  get report(): SinkReport {
    return {dropped: this.#dropped}
  }

  async close(): Promise<void> {
    this.#closing = true
    const child = this.#child
    if (child) {
      child.stdin?.end()
      // Real time, not a Clock: a kill deadline for a real child process.
      const timer = setTimeout(() => child.kill('SIGTERM'), 1500)
      await child.catch(() => undefined)
      clearTimeout(timer)
    }
  }

  #start(frame: SinkFrame): ResultPromise {
    const input = inputArgs(frame)
    this.#rawSize = input.raw ? input.size : undefined
    const args = this.args(input)
    this.logger.debug(`starting ${this.program} ${args.join(' ')}`)
    const child = execa(this.program, args, {stdin: 'pipe', stdout: 'ignore', stderr: 'pipe', reject: false, buffer: false})
    this.#child = child
    child.stdin?.on('error', (error: NodeJS.ErrnoException) => this.#failed(`${this.program} input pipe: ${error.code ?? error.message}`))
    let partial = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split(/[\r\n]/)
      partial = lines.pop() ?? ''
      for (const line of lines) if (line.trim() && !STATUS_LINE.test(line)) this.logger.debug(`${this.program}: ${line.trim()}`)
    })
    void child.then((result) => {
      this.options.onExit?.()
      if (result.failed && result.code === 'ENOENT') this.#failed(`${this.program} is not installed`)
      else this.#failed(`${this.program} exited (${result.exitCode ?? result.signal ?? 'unknown'})`)
    })
    return child
  }

  #failed(reason: string): void {
    if (this.#closing) return
    this.#fail(new IvcError('EXTERNAL_TOOL_FAILED', reason))
  }
}
