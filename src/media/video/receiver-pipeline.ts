import type {RecordTap} from '../record-tap.js'
import {FeedbackReporter} from '../../adapt/index.js'
import {type Clock, realClock} from '../../foundation/clock.js'
import type {Logger} from '../../foundation/logger.js'
import {type MediaReceiver, type ReceivedFrame, type StreamEndReason} from '../../transport/index.js'
import {DelayEstimator} from '../timing/delay-estimator.js'
import {JitterBuffer} from '../timing/jitter-buffer.js'
import {FreezeDetector} from '../stats/freeze-detector.js'
import {Percentiles, round1} from '../stats/percentiles.js'
import {RateMeter} from '../stats/rate-meter.js'
import type {SinkFrame, VideoSink} from '../types.js'
import type {VideoDecodeStage} from './decode-stage.js'
import {jpegSize} from './jpeg-size.js'
import {KeyframeGate} from './keyframe-gate.js'
import {stillFrame} from './still-frame.js'
import type {RecentVideoStats, VideoStats} from './video-stats.js'

export interface VideoReceiverOptions {
  receiver: MediaReceiver
  /** Decodes each frame with the codec of the stream's format, or passes it on for a sink that takes it encoded. */
  decoder: VideoDecodeStage
  sink: VideoSink
  logger: Logger
  /**
   * Playout delay bounds above the fastest delivery; default 0..100 ms. The top stays under the senders' default
   * latency bound (150 ms): holding frames longer only turns a queue that has already drained into latency.
   */
  minDelayMs?: number
  maxDelayMs?: number
  /** Frames the jitter buffer holds; default 60 (two seconds at 30 fps). */
  capacity?: number
  /** Frames allowed to wait for the sink before new ones are dropped; default 2. */
  maxSinkBacklog?: number
  clock?: Clock
  /** A recorded call's: each frame as it came, its capture mapped onto our clock (the one-way delay estimator's offset). */
  record?: RecordTap
  /** How often to check whether a feedback report is due (reports go every 100 ms); default 20 ms. */
  feedbackPollMs?: number
}

export type ReceiverEnd = StreamEndReason | 'sink-failed' | 'stopped'

/**
 * A sender with video off sends nothing, so a frame arriving this long after the peer turned video off means it is on
 * again, even if the news of it (a bus event) is late or lost: the still never outstays live video.
 */
export const RESUME_AFTER_US = 1_000_000

/** Frames of an inter-frame stream decoded without being shown while the sink is busy, at most (a second at 30 fps). */
const MAX_DECODE_ONLY = 30

/** The still's size before any frame has told the stream's. */
const DEFAULT_STILL_SIZE = {width: 640, height: 480}

/**
 * Receive → jitter buffer → decode → sink. Frames go into the buffer as they arrive on any connection and leave it in order at
 * their playout time; each is decoded (VideoDecodeStage) and handed to the sink one at a time (a slow sink drops frames instead of building a
 * backlog). Latency is capture → the sink finished with the frame, mapped onto our clock by the DelayEstimator.
 * Every 100 ms a FeedbackReporter's report (queuing delay, received rate, late and missing frames, buffer level) goes
 * back to the sender, which adapts to it (docs/protocol.md, "Adaptation feedback"). A stream whose frames refer to
 * earlier ones (H.264, VP8) is decoded only from an unbroken run since a keyframe, with a keyframe request after a gap
 * (KeyframeGate; docs/protocol.md, "H.264 payload").
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
  readonly #reporter: FeedbackReporter
  readonly #feedbackTimer: unknown
  #feedbackSent = 0
  /** Latencies of the last second's frames, for `recent`. */
  readonly #recentLatency: Array<{atUs: number; ms: number}> = []
  #end!: (reason: ReceiverEnd) => void
  #timer: unknown
  #chain: Promise<void> = Promise.resolve()
  #backlog = 0
  /** Frames not shown because the sink had no room (and not skipped or undecodable: each frame is counted once). */
  #backlogDropped = 0
  /** Frames the codec of the stream's format could not decode: dropped, counted, the first one logged. */
  #undecodable = 0
  #sinkError: Error | undefined
  #done = false
  /** Since when (monotonic µs) the peer has video off: live frames are held back and the still stays. */
  #offSinceUs: number | undefined
  /** The still's size: the first frame's, always full size (docs/protocol.md), as the window that shows it. */
  #stillSize: {width: number; height: number} | undefined
  #lastSeq = 0
  #stills = 0
  /** For a stream whose frames refer to earlier ones (H.264, VP8): which to decode, and when to ask for a keyframe. */
  readonly #gate = new KeyframeGate()
  /** Whether the stream is inter-frame; known before frames arrive (they wait for the same start line as the format). */
  #interFrame = false
  /** Frames waiting to be decoded without being shown (see #decodeOnlyFrame). */
  #decodeOnly = 0
  #keyframeRequestsSent = 0

  constructor(private readonly options: VideoReceiverOptions) {
    this.#clock = options.clock ?? realClock
    this.#buffer = new JitterBuffer({
      capacity: options.capacity ?? 60,
      minDelayUs: (options.minDelayMs ?? 0) * 1000,
      maxDelayUs: (options.maxDelayMs ?? 100) * 1000,
    })
    this.ended = new Promise((resolve) => (this.#end = resolve))
    options.decoder.interFrame().then(
      (interFrame) => (this.#interFrame = interFrame),
      () => undefined,
    )
    this.#reporter = new FeedbackReporter({startUs: this.#clock.monotonicUs()})
    this.#feedbackTimer = this.#clock.setInterval(() => this.#sendFeedback(), options.feedbackPollMs ?? 20)
    const {receiver, sink} = options
    receiver.on('frame', this.#onFrame)
    // A recording that starts mid-call asks the peer for a keyframe, rather than wait for its next periodic one.
    options.record?.onConnect(() => {
      const request = this.#interFrame ? this.#gate.requestNow() : undefined
      if (request && receiver.sendKeyframeRequest(request)) this.#keyframeRequestsSent++
    })
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

  /** Stills shown because the peer turned video off. */
  get stills(): number {
    return this.#stills
  }

  /**
   * The peer turned video off: the sink shows a still with `label` ("bob turned video off") instead of keeping the
   * last frame, which would look like a frozen call. Frames still on their way, sent before the switch, are held
   * back; live frames show again on `videoOn`, or when frames keep coming after RESUME_AFTER_US.
   */
  videoOff(label: string): void {
    if (this.#done) return
    this.#offSinceUs = this.#clock.monotonicUs()
    const {width, height} = this.#stillSize ?? DEFAULT_STILL_SIZE
    const seq = this.#lastSeq
    this.#chain = this.#chain.then(async () => {
      try {
        const still = await this.options.decoder.own(stillFrame(label, width, height), seq, this.#clock.monotonicUs())
        // Twice: a player reading MJPEG from a pipe (ffplay) knows a picture has ended only when the next one begins,
        // so a lone still would wait unseen until live video came back.
        const shown = await this.options.sink.render(still)
        await this.options.sink.render(still)
        if (shown === 'rendered') this.#stills++
      } catch (error) {
        this.options.logger.warn(`video sink: the video-off still: ${(error as Error).message}`)
      }
    })
  }

  videoOn(): void {
    this.#offSinceUs = undefined
  }

  /** Keyframe requests sent, and frames skipped while waiting for a keyframe (inter-frame streams only). */
  get keyframes(): {requests: number; skipped: number} {
    return {requests: this.#keyframeRequestsSent, skipped: this.#gate.skipped}
  }

  /** Feedback reports sent to the sender so far. */
  get feedbackSent(): number {
    return this.#feedbackSent
  }

  /** Stop taking frames; what is buffered is played out first. */
  stop(): Promise<void> {
    return this.#finish('stopped')
  }

  recent(nowUs = this.#clock.monotonicUs()): RecentVideoStats {
    while (this.#recentLatency.length > 0 && nowUs - this.#recentLatency[0].atUs > 1_000_000) this.#recentLatency.shift()
    const latencies = new Percentiles()
    for (const sample of this.#recentLatency) latencies.add(sample.ms)
    const latencyMs = {p50: round1(latencies.percentile(50)), p95: round1(latencies.percentile(95))}
    return {fps: round1(this.#rendered.recent(nowUs).rate), kbps: round1(this.#arrivals.recent(nowUs).kbps), latencyMs}
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
      dropped: buffer.late + buffer.missing + sink.dropped + this.#backlogDropped + this.#undecodable + this.#gate.skipped,
      freezes: this.#freezes.freezes,
      outOfOrder: sink.outOfOrder ?? 0,
    }
  }

  #onFrame = (frame: ReceivedFrame): void => {
    if (this.#done) return
    if (this.#offSinceUs !== undefined && frame.receivedUs - this.#offSinceUs > RESUME_AFTER_US) this.videoOn()
    this.#estimator.observe(frame.captureUs + frame.senderDelayUs, frame.receivedUs)
    this.options.record?.frame(frame.seq, frame.captureUs + (this.#estimator.offsetUs() ?? 0), frame.key, frame.payload)
    this.#arrivals.add(frame.receivedUs, frame.payload.length)
    this.#reporter.onFrame({seq: frame.seq, captureUs: frame.captureUs, senderDelayUs: frame.senderDelayUs, receivedUs: frame.receivedUs, bytes: frame.payload.length})
    this.#buffer.push(frame.seq, frame.captureUs, frame, frame.receivedUs)
    this.#play()
  }

  #onRtt = (rttUs: number): void => {
    this.#estimator.setRtt(rttUs)
    this.#reporter.onRtt(rttUs)
  }

  #sendFeedback(): void {
    const report = this.#reporter.poll(this.#clock.monotonicUs())
    if (report && this.options.receiver.sendFeedback(report)) this.#feedbackSent++
    this.#requestKeyframe()
  }

  /** A keyframe request, if the gate has one due (at once after a loss, then again while it still waits). */
  #requestKeyframe(): void {
    const request = this.#gate.requestDue(this.#clock.monotonicUs())
    if (!request) return
    if (this.options.receiver.sendKeyframeRequest(request)) this.#keyframeRequestsSent++
    this.options.logger.debug(`video: frame ${request.seq} cannot be decoded (its reference is missing): keyframe request ${request.requestNumber}`)
  }

  /**
   * The buffer's state for the reporter. The level is estimated: the head's time until due, plus one frame interval
   * (at the arrival rate) for each frame behind it.
   */
  #notePlayout(nowUs: number): void {
    const {late, missing, queued} = this.#buffer.stats
    const due = this.#buffer.nextDueUs()
    const fps = this.#arrivals.recent(nowUs).rate
    const levelUs = due === undefined ? 0 : Math.max(0, due - nowUs) + (fps > 0 ? ((queued - 1) * 1e6) / fps : 0)
    this.#reporter.onPlayout({late, missing, levelUs})
  }

  /** Hand every due frame to the sink, then sleep until the next one is due. */
  #play(): void {
    this.#clock.clearTimeout(this.#timer)
    const now = this.#clock.monotonicUs()
    for (const {item} of this.#buffer.pop(now)) this.#render(item)
    this.#notePlayout(now)
    const due = this.#buffer.nextDueUs()
    if (due !== undefined) this.#timer = this.#clock.setTimeout(() => this.#play(), Math.max(0, Math.ceil((due - this.#clock.monotonicUs()) / 1000)))
  }

  #render(frame: ReceivedFrame): void {
    if (this.#offSinceUs !== undefined) return
    const maxBacklog = this.options.maxSinkBacklog ?? 2
    if (this.#backlog >= maxBacklog) {
      if (this.#interFrame && this.#decodeOnly < MAX_DECODE_ONLY) this.#decodeOnlyFrame(frame)
      else this.#backlogDropped++
      return
    }

    this.#backlog++
    this.#chain = this.#chain.then(async () => {
      try {
        const decoded = await this.#decode(frame)
        if (!decoded) return
        this.#stillSize ??= decoded.picture ? {width: decoded.picture.width, height: decoded.picture.height} : jpegSize(decoded.encoded.payload)
        this.#lastSeq = frame.seq
        const outcome = await this.options.sink.render(decoded)
        if (outcome !== 'rendered') return
        const at = this.#clock.monotonicUs()
        const delay = this.#estimator.delayUs(frame.captureUs, at)
        if (delay !== undefined) {
          this.#latency.add(delay / 1000)
          this.#recentLatency.push({atUs: at, ms: delay / 1000})
          if (this.#recentLatency.length > 1000) this.#recentLatency.shift()
        }
        this.#freezes.frame(at)
        this.#rendered.add(at, frame.payload.length)
      } catch (error) {
        this.options.logger.warn(`video sink: ${(error as Error).message}`)
      } finally {
        this.#backlog--
      }
    })
  }

  /**
   * A frame of an inter-frame stream the sink has no room for: later frames refer to it, so it is decoded all the same
   * (a millisecond or so), in its turn, and not shown; the sink's start (ffplay's window) would otherwise cost a
   * keyframe's wait. It is counted as dropped for want of room only if it decodes: one skipped or undecodable is
   * counted as that.
   */
  #decodeOnlyFrame(frame: ReceivedFrame): void {
    this.#decodeOnly++
    this.#chain = this.#chain.then(async () => {
      try {
        if (await this.#decode(frame)) this.#backlogDropped++
      } catch (error) {
        // As #render's: a failure here (a keyframe request on a lane that just closed) must not break the chain,
        // which every later frame waits on.
        this.options.logger.warn(`video decoder: ${(error as Error).message}`)
      } finally {
        this.#decodeOnly--
      }
    })
  }

  /** Decoded, or undefined: it does not decode, or (inter-frame) a frame it refers to was not decoded. */
  async #decode(frame: ReceivedFrame): Promise<SinkFrame | undefined> {
    const interFrame = await this.options.decoder.interFrame()
    if (interFrame && this.#gate.admit(frame.seq, frame.key) === 'skip') {
      this.#requestKeyframe()
      return undefined
    }

    try {
      return await this.options.decoder.decode(frame)
    } catch (error) {
      if (interFrame) {
        this.#gate.failed()
        this.#requestKeyframe()
      }

      // One line, not one a frame: a codec that cannot run here fails every frame the same way.
      if (this.#undecodable++ === 0) this.options.logger.warn(`video decoder: ${(error as Error).message} (frame ${frame.seq} dropped; later ones counted)`)
      return undefined
    }
  }

  async #finish(reason: ReceiverEnd): Promise<void> {
    if (this.#done) return
    this.#done = true
    this.#clock.clearTimeout(this.#timer)
    this.#clock.clearTimeout(this.#feedbackTimer)
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
