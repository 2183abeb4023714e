import type {Logger} from '../../cli/logger.js'
import {type Clock, DelayEstimator, JitterBuffer, type MediaReceiver, monotonicUs, type ReceivedFrame, type StreamEndReason} from '../../transport/index.js'
import {FreezeDetector} from '../stats/freeze-detector.js'
import {Percentiles} from '../stats/percentiles.js'
import {RateMeter} from '../stats/rate-meter.js'
import type {VideoCodec, VideoSink} from '../types.js'
import type {VideoStats} from './video-stats.js'

export interface VideoReceiverOptions {
  receiver: MediaReceiver
  /** The codec of a payload (the stream does not say; see codecForPayload). */
  codecFor: (payload: Buffer) => VideoCodec
  sink: VideoSink
  logger: Logger
  /** Playout delay bounds above the fastest delivery; default 0..150 ms. */
  minDelayMs?: number
  maxDelayMs?: number
  /** Frames the jitter buffer holds; default 60 (two seconds at 30 fps). */
  capacity?: number
  /** Frames allowed to wait for the sink before new ones are dropped; default 2. */
  maxSinkBacklog?: number
  clock?: Clock
}

export type ReceiverEnd = StreamEndReason | 'sink-failed' | 'stopped'

/**
 * Receive → jitter buffer → sink. Frames go into the buffer as they arrive on any connection and leave it in order at
 * their playout time; each is handed to the sink one at a time (a slow sink drops frames instead of building a
 * backlog). Latency is capture → the sink finished with the frame, mapped onto our clock by the DelayEstimator.
 */
export class VideoReceiverPipeline {
  readonly ended: Promise<ReceiverEnd>
  readonly #clock: Clock
  readonly #buffer: JitterBuffer<ReceivedFrame>
  readonly #estimator = new DelayEstimator()
  readonly #latency = new Percentiles()
  readonly #freezes = new FreezeDetector()
  readonly #arrivals = new RateMeter()
  readonly #rendered = new RateMeter()
  #end!: (reason: ReceiverEnd) => void
  #timer: NodeJS.Timeout | undefined
  #chain: Promise<void> = Promise.resolve()
  #backlog = 0
  #backlogDropped = 0
  #sinkError: Error | undefined
  #done = false

  constructor(private readonly options: VideoReceiverOptions) {
    this.#clock = options.clock ?? monotonicUs
    this.#buffer = new JitterBuffer({
      capacity: options.capacity ?? 60,
      minDelayUs: (options.minDelayMs ?? 0) * 1000,
      maxDelayUs: (options.maxDelayMs ?? 150) * 1000,
    })
    this.ended = new Promise((resolve) => (this.#end = resolve))
    const {receiver, sink} = options
    receiver.on('frame', this.#onFrame)
    receiver.on('rtt', this.#onRtt)
    receiver.once('stream-end', ({reason}: {reason: StreamEndReason}) => void this.#finish(reason))
    void sink.failed.then((error) => {
      this.#sinkError = error
      void this.#finish('sink-failed')
    })
  }

  /** The sink's failure, when it ended the stream. */
  get sinkError(): Error | undefined {
    return this.#sinkError
  }

  /** Stop taking frames; what is buffered is played out first. */
  stop(): Promise<void> {
    return this.#finish('stopped')
  }

  recent(nowUs = this.#clock()): {fps: number; kbps: number} {
    return {fps: this.#rendered.recent(nowUs).rate, kbps: this.#arrivals.recent(nowUs).kbps}
  }

  stats(): VideoStats {
    const buffer = this.#buffer.stats
    const sink = this.options.sink.report
    return {
      role: 'receiver',
      frames: this.#rendered.count,
      fps: this.#rendered.rate,
      kbps: this.#arrivals.kbps(),
      bytes: this.#arrivals.bytes,
      latencyMs: this.#latency.summary(),
      dropped: buffer.late + buffer.missing + sink.dropped + this.#backlogDropped,
      freezes: this.#freezes.freezes,
      outOfOrder: sink.outOfOrder ?? 0,
    }
  }

  #onFrame = (frame: ReceivedFrame): void => {
    if (this.#done) return
    this.#estimator.observe(frame.captureUs + frame.senderDelayUs, frame.receivedUs)
    this.#arrivals.add(frame.receivedUs, frame.payload.length)
    this.#buffer.push(frame.seq, frame.captureUs, frame, frame.receivedUs)
    this.#play()
  }

  #onRtt = (rttUs: number): void => this.#estimator.setRtt(rttUs)

  /** Hand every due frame to the sink, then sleep until the next one is due. */
  #play(): void {
    clearTimeout(this.#timer)
    for (const {item} of this.#buffer.pop(this.#clock())) this.#render(item)
    const due = this.#buffer.nextDueUs()
    if (due !== undefined) this.#timer = setTimeout(() => this.#play(), Math.max(0, Math.ceil((due - this.#clock()) / 1000)))
  }

  #render(frame: ReceivedFrame): void {
    const maxBacklog = this.options.maxSinkBacklog ?? 2
    if (this.#backlog >= maxBacklog) {
      this.#backlogDropped++
      return
    }

    this.#backlog++
    this.#chain = this.#chain.then(async () => {
      try {
        const outcome = await this.options.sink.render({seq: frame.seq, captureUs: frame.captureUs, payload: frame.payload, codec: this.options.codecFor(frame.payload)})
        if (outcome !== 'rendered') return
        const at = this.#clock()
        const delay = this.#estimator.delayUs(frame.captureUs, at)
        if (delay !== undefined) this.#latency.add(delay / 1000)
        this.#freezes.frame(at)
        this.#rendered.add(at, frame.payload.length)
      } catch (error) {
        this.options.logger.warn(`video sink: ${(error as Error).message}`)
      } finally {
        this.#backlog--
      }
    })
  }

  async #finish(reason: ReceiverEnd): Promise<void> {
    if (this.#done) return
    this.#done = true
    clearTimeout(this.#timer)
    const {receiver} = this.options
    receiver.off('frame', this.#onFrame)
    receiver.off('rtt', this.#onRtt)
    if (reason !== 'sink-failed') {
      // The rest of the buffer plays at once; allow the sink a full backlog for it.
      for (const {item} of this.#buffer.drain()) {
        await this.#chain
        this.#render(item)
      }
    }

    await this.#chain
    this.#end(reason)
  }
}
