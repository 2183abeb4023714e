import type {Logger} from '../../cli/logger.js'
import {sleep} from '../../transport/clock.js'
import {type Clock, type MediaSender, monotonicUs} from '../../transport/index.js'
import {FreezeDetector} from '../stats/freeze-detector.js'
import {Percentiles} from '../stats/percentiles.js'
import {RateMeter} from '../stats/rate-meter.js'
import type {VideoCodec, VideoSource} from '../types.js'
import type {VideoStats} from './video-stats.js'

export interface VideoSenderOptions {
  source: VideoSource
  codec: VideoCodec
  sender: MediaSender
  fps: number
  logger: Logger
  /** Stop when aborted. */
  signal: AbortSignal
  clock?: Clock
  /** False while the user has video off in a call: frames are captured (to keep pace) but not sent. */
  sending?: () => boolean
}

/**
 * Capture → encode → send, paced by the monotonic clock: frame n is due at start + n / fps, so timer lateness never
 * accumulates into drift. When encoding falls behind, due slots are skipped (counted as dropped) rather than bunched.
 * Latency on this side is capture → handed to the transport (mostly encode time).
 */
export class VideoSenderPipeline {
  readonly #clock: Clock
  readonly #latency = new Percentiles()
  readonly #freezes = new FreezeDetector()
  readonly #meter = new RateMeter()
  #skipped = 0
  #startUs: number | undefined

  constructor(private readonly options: VideoSenderOptions) {
    this.#clock = options.clock ?? monotonicUs
  }

  /** Runs until the signal aborts, the source ends, or the transport loses every connection; returns why. */
  async run(): Promise<'stopped' | 'source-ended' | 'peer-gone'> {
    const {source, codec, sender, signal} = this.options
    const intervalUs = 1e6 / this.options.fps
    let peerGone = false
    sender.once('closed', () => (peerGone = true))
    const start = this.#clock()
    this.#startUs = start
    let slot = 0
    while (!signal.aborted && !peerGone) {
      const waitUs = start + slot * intervalUs - this.#clock()
      if (waitUs > 0) await sleep(waitUs / 1000, signal)
      if (signal.aborted || peerGone) break
      const frame = await source.read()
      if (!frame) return 'source-ended'
      if (this.options.sending?.() === false) {
        slot = Math.max(slot + 1, Math.floor((this.#clock() - start) / intervalUs) + 1)
        continue
      }

      const captureUs = this.#clock()
      const payload = await codec.encode(frame)
      if (peerGone) break
      const sentUs = this.#clock()
      sender.send(payload, captureUs, {key: true})
      this.#latency.add((sentUs - captureUs) / 1000)
      this.#freezes.frame(captureUs)
      this.#meter.add(sentUs, payload.length)
      // If we are more than a slot late, skip the missed slots instead of sending a burst.
      const next = Math.floor((this.#clock() - start) / intervalUs) + 1
      if (next > slot + 1) this.#skipped += next - slot - 1
      slot = Math.max(slot + 1, next)
    }

    return peerGone ? 'peer-gone' : 'stopped'
  }

  recent(nowUs = this.#clock()): {fps: number; kbps: number} {
    const recent = this.#meter.recent(nowUs)
    return {fps: recent.rate, kbps: recent.kbps}
  }

  stats(nowUs = this.#clock()): VideoStats {
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
    }
  }
}
