import type {RecordTap} from '../record-tap.js'
import {type AdaptController, type FeedbackReport, type Rung, scaledSize} from '../../adapt/index.js'
import {FrameDecision} from '../../adapt/frame-decision.js'
import {type Clock, realClock, sleep} from '../../foundation/clock.js'
import type {Logger} from '../../foundation/logger.js'
import type {KeyframeRequest} from '../../protocol/media-feedback.js'
import {MESSAGE_HEADER_SIZE} from '../../protocol/media-message.js'
import type {MediaSender} from '../../transport/index.js'
import {FreezeDetector} from '../stats/freeze-detector.js'
import {Percentiles, round1} from '../stats/percentiles.js'
import {RateMeter} from '../stats/rate-meter.js'
import type {VideoCodec, VideoFrame, VideoSource} from '../types.js'
import {encodeAt} from './encode-at.js'
import {isInterFrame} from './inter-frame.js'
import {type KeyframeRequestVerdict, KeyframeRequests, MIN_KEYFRAME_GAP_US} from './keyframe-requests.js'
import type {SelfView} from './self-view.js'
import type {RecentVideoStats, VideoStats} from './video-stats.js'

/**
 * A socket's write() returns false once its buffer holds its high-water mark (16 KiB in Node 20), so writing one
 * frame at least that big always does: that says nothing about the link, and such writes are not counted as busy.
 */
const SOCKET_HIGH_WATER_MARK = 16 * 1024

/** The debug log's words for what became of a keyframe request. */
const KEYFRAME_VERDICTS: Record<KeyframeRequestVerdict, string> = {
  honoured: `a keyframe follows (at most one per ${MIN_KEYFRAME_GAP_US / 1000} ms)`,
  duplicate: 'ignored, a duplicate or reordered',
  stale: 'ignored, sent before the last keyframe arrived',
  pending: 'a keyframe is already due',
}

export interface VideoSenderOptions {
  source: VideoSource
  codec: VideoCodec
  sender: MediaSender
  fps: number
  logger: Logger
  /** Stop when aborted. */
  signal: AbortSignal
  /** Adaptation (src/adapt): which frames to send and at which size, quality and rate. Its top is the source's size at `fps`. */
  controller: AdaptController
  clock?: Clock
  /** A recorded call's: each frame sent, as it was sent, stamped with its capture. */
  record?: RecordTap
  /** False while the user has video off in a call: frames are captured (to keep pace) but not sent. */
  sending?: () => boolean
  /** `--self-view`: every captured frame is offered to it, sent or not (it shows a still while video is off). */
  selfView?: SelfView
}

/**
 * Capture → encode → send, paced by the monotonic clock: frame n is due at start + n / fps, so timer lateness never
 * accumulates into drift. When encoding falls behind, due slots are skipped (counted as dropped) rather than bunched.
 * Capture always runs at the top fps; the controller's encoding says how many of those frames go out (a credit of
 * encoding fps / top fps per frame), at which size and quality, and it may skip a frame that would arrive too late.
 * Latency on this side is capture → handed to the transport (mostly encode time).
 */
export class VideoSenderPipeline {
  readonly #clock: Clock
  readonly #latency = new Percentiles()
  readonly #freezes = new FreezeDetector()
  readonly #meter = new RateMeter()
  #skipped = 0
  readonly #decision: FrameDecision
  /** Frames big enough to fill a socket's buffer on their own (see SOCKET_HIGH_WATER_MARK). */
  #bigWrites = 0
  #startUs: number | undefined
  /** Keyframe requests from the receiver, for a codec whose frames refer to earlier ones. */
  readonly keyframes = new KeyframeRequests()

  constructor(private readonly options: VideoSenderOptions) {
    this.#clock = options.clock ?? realClock
    this.#decision = new FrameDecision(options.controller, options.fps)
    options.sender.on('feedback', (report: FeedbackReport) => {
      options.controller.onFeedback(report, this.#clock.monotonicUs())
      this.#logChange()
    })
    options.sender.on('keyframe-request', (request: KeyframeRequest) => {
      const verdict = this.keyframes.onRequest(request)
      options.logger.debug(`keyframe request ${request.requestNumber} (receiver cannot decode frame ${request.seq}): ${KEYFRAME_VERDICTS[verdict]}`)
    })
    // A recording that starts mid-call starts with a keyframe (an inter-frame codec's; every JPEG frame is one).
    options.record?.onConnect(() => this.keyframes.want())
    options.sender.on('bad-feedback', (reason: string) => {
      options.controller.onBadReport()
      options.logger.debug(`adapt: feedback ignored: ${reason}`)
    })
  }

  #lastLogged = ''

  /** Debug log of every change of the adaptation's reason or encoding. */
  #logChange(): void {
    const {reason, targetKbps, scale, quality, fps} = this.options.controller.state
    const line = `${reason} scale ${scale} q${quality} ${fps} fps`
    if (line !== this.#lastLogged) this.options.logger.debug(`adapt: ${line}, target ${targetKbps} kbit/s`)
    this.#lastLogged = line
  }

  /** Runs until the signal aborts, the source ends, or the transport loses every connection; returns why. */
  async run(): Promise<'stopped' | 'source-ended' | 'peer-gone'> {
    const {source, sender, signal} = this.options
    const intervalUs = 1e6 / this.options.fps
    let peerGone = false
    sender.once('closed', () => (peerGone = true))
    const start = this.#clock.monotonicUs()
    this.#startUs = start
    let slot = 0
    while (!signal.aborted && !peerGone) {
      const waitUs = start + slot * intervalUs - this.#clock.monotonicUs()
      if (waitUs > 0) await sleep(this.#clock, waitUs / 1000, signal)
      if (signal.aborted || peerGone) break
      const frame = await source.read()
      if (!frame) return 'source-ended'
      const sending = this.options.sending?.() !== false
      this.options.selfView?.show(frame, sending, this.#clock.monotonicUs())
      if (sending) await this.#sendFrame(frame)
      if (peerGone) break
      // If we are more than a slot late, skip the missed slots instead of sending a burst.
      const next = Math.floor((this.#clock.monotonicUs() - start) / intervalUs) + 1
      if (next > slot + 1) this.#skipped += next - slot - 1
      slot = Math.max(slot + 1, next)
    }

    return peerGone ? 'peer-gone' : 'stopped'
  }

  recent(nowUs = this.#clock.monotonicUs()): RecentVideoStats {
    const recent = this.#meter.recent(nowUs)
    return {fps: round1(recent.rate), kbps: round1(recent.kbps)}
  }

  stats(nowUs = this.#clock.monotonicUs()): VideoStats {
    const transport = this.options.sender.stats
    const elapsedUs = this.#startUs === undefined ? 0 : nowUs - this.#startUs
    return {
      role: 'sender',
      frames: transport.sent,
      fps: elapsedUs > 0 ? (transport.sent * 1e6) / elapsedUs : 0,
      kbps: elapsedUs > 0 ? (transport.bytes * 8) / 1000 / (elapsedUs / 1e6) : 0,
      bytes: transport.bytes,
      latencyMs: this.#latency.summary(),
      dropped: transport.dropped + this.#skipped,
      freezes: this.#freezes.freezes,
      outOfOrder: 0,
      adapt: this.options.controller.state,
    }
  }

  /** Ask the adaptation (FrameDecision), then encode at its encoding and send. Frames it declines are not drops: it chose them. */
  async #sendFrame(frame: VideoFrame): Promise<void> {
    const {sender, codec} = this.options
    const captureUs = this.#clock.monotonicUs()
    const transport = sender.stats
    const encoding = this.#decision.next(
      {queuedFrames: transport.queued, busyEvents: Math.max(0, transport.busyEvents - this.#bigWrites), inFlightQueueUs: transport.inFlightQueueUs, minRttUs: transport.minRttUs, deliveredBytes: transport.deliveredBytes},
      captureUs,
    )
    if (!encoding) return
    const {payload, key} = await this.#encode(codec, frame, encoding)
    const sentUs = this.#clock.monotonicUs()
    const seq = sender.send(payload, captureUs, {key})
    this.options.record?.frame(seq, captureUs, key, payload)
    // Every JPEG frame is a keyframe too; only an inter-frame stream's receiver asks for one.
    if (key) this.keyframes.keyframeSent(seq, sentUs)
    if (payload.length + MESSAGE_HEADER_SIZE >= SOCKET_HIGH_WATER_MARK) this.#bigWrites++
    this.#decision.sent(payload.length, sentUs, encoding)
    this.#latency.add((sentUs - captureUs) / 1000)
    this.#freezes.frame(captureUs)
    this.#meter.add(sentUs, payload.length)
  }

  /**
   * An intra-only codec (JPEG) encodes at the rung's size and quality. One whose frames refer to earlier ones (H.264, VP8)
   * keeps the source's size (a new size would restart it at a keyframe) and follows the rate control's target with
   * its own bitrate, and makes a keyframe when the receiver asked for one.
   */
  async #encode(codec: VideoCodec, frame: VideoFrame, encoding: Rung): Promise<{payload: Buffer; key: boolean}> {
    if (!isInterFrame(codec)) return {payload: await encodeAt(codec, frame, {...scaledSize(frame.width, frame.height, encoding.scale), quality: encoding.quality}), key: true}
    const {strategy, targetKbps} = this.options.controller.state
    // libx264 with zerolatency rates frames by the frame rate, not their times: each gets bitrate / fps. At a rung's
    // lower frame rate the encoder's bitrate is scaled up, so the frames sent still add up to the target.
    if (strategy === 'gcc') codec.setBitrate((targetKbps * this.options.fps) / encoding.fps)
    if (this.keyframes.take(this.#clock.monotonicUs())) codec.forceKeyframe()
    const payload = await codec.encode(frame)
    return {payload, key: codec.lastWasKey}
  }
}
