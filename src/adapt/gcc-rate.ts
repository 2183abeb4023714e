import type {FeedbackReport} from '../protocol/media-feedback.js'

/** What the sender can see of its own queue (the transport's `sender.stats`). */
export interface SenderSignal {
  /** Frames waiting because every connection is busy (`stats.queued`). */
  queuedFrames: number
  /** Cumulative count of writes that returned false (`stats.busyEvents`). */
  busyEvents: number
  /** How long the oldest frame queued on the link has been in flight, µs (`stats.inFlightQueueUs`). */
  inFlightQueueUs: number
  /** The fastest round trip seen, µs (`stats.minRttUs`); undefined before the first echo. */
  minRttUs: number | undefined
  /** Cumulative bytes the receiver has echoed (`stats.deliveredBytes`). */
  deliveredBytes: number
}

export type GccReason =
  | 'start'
  | 'increase:start'
  | 'increase'
  | 'increase:fast'
  | 'hold'
  | 'hold:busy-lanes'
  | 'hold:at-cap'
  | 'overuse:delay'
  | 'overuse:trend'
  | 'overuse:latency'
  | 'overuse:send-queue'
  | 'overuse:in-flight'

export interface GccOptions {
  maxLatencyUs: number
  startKbps: number
  minKbps: number
  maxKbps: number
}

const DECREASE_FACTOR = 0.85
const INCREASE_PER_SECOND = 1.08
const MIN_DECREASE_GAP_US = 200_000
const TREND_WINDOW_US = 1_000_000
const RATE_WINDOW_US = 500_000
/** Delivery (echoes) is measured over this window: short, so a link that just slowed shows at once. */
const DELIVERY_WINDOW_US = 300_000
const MIN_DELIVERY_SPAN_US = 100_000
/** Far below what the link carried lately, the increase may be this much faster (a second). */
const FAST_INCREASE_PER_SECOND = 1.5
const FAST_BELOW = 0.9
/** Until a queue forms, nothing is known of the link: double every second from a modest start (slow start). */
const START_INCREASE_PER_SECOND = 2
/** In slow start, the next rung is tried once the receiver gets this much of the current one's cost. */
const SLOW_START_EVIDENCE = 0.8
const SLOW_START_DWELL_US = 700_000
const HELD_WINDOW_US = 30_000_000
/** After a cut, a fast ramp waits this long at first; one that ends in overuse doubles it (to 6 s at most). */
const PROBE_WAIT_US = 3_000_000
const MAX_PROBE_WAIT_US = 6_000_000

/**
 * Delay-based rate control in the spirit of WebRTC's GCC, on 100 ms receiver reports. Overuse (the queuing delay
 * above a quarter of the latency bound and still rising, above half of it at all, the latency estimate near the
 * bound, or frames piling up in our own send queue) cuts the target at once to 0.85 × the rate the receiver
 * actually got; normal (delay low and not rising) lets it grow by at most 8 % a second; anything between holds.
 * A lane that just went busy (a socket buffer over its mark) is the earliest hint, so it blocks increases.
 *
 * The sender's own view comes first, though: the receiver echoes every frame, so the sender knows at once how long
 * the oldest frame queued on the link has been on the way (frames stuck behind a lost segment on their connection do
 * not count: later ones went around them). Beyond the fastest round trip, that is queuing the frame has already
 * suffered, whatever the send rate: more than half the bound is overuse before any report can say so. The cut goes
 * to 0.85 × the lower of the reported and the delivered (echoed) rate: the report's half second still remembers the
 * faster link.
 *
 * Start: the first target is modest (the caller's startKbps) and doubles every second, one rung of the ladder at a
 * time with 0.7 s at each, until a queue starts to form (delay over a tenth of the bound and rising) or
 * overuse, so a slow link is found from below, without first filling its queue (which would delay the audio
 * sharing it).
 *
 * Recovery: while the target is under 90 % of the highest rate the receiver got without overuse in the last 30 s,
 * and the link has been calm for a while since the last cut, the increase runs at up to ×1.5 a second instead (the
 * link carried that much a moment ago: likely it can again). Such a fast ramp that ends in overuse was a failed
 * probe: the calm required before the next one doubles (3 s, then 6 s), so a link that really got slower sees a
 * bump now and then, not a saw-tooth. Pure: the caller passes the time.
 */
export class GccRateControl {
  #targetKbps: number
  #reason: GccReason = 'start'
  #lastUpdateUs: number | undefined
  #lastDecreaseUs = -Infinity
  #busyEvents: number | undefined
  #lastBusyUs = -Infinity
  #queuedSince: number | undefined
  #delayAtDecreaseMs = 0
  #lastDelayMs = 0
  #slowStart = true
  #dwellUntilUs = -Infinity
  #probeWaitUs = PROBE_WAIT_US
  #fastUntilUs = -Infinity
  readonly #held: Array<{atUs: number; kbps: number}> = []
  /** The cost of the next rung up (set by the controller): increases may always reach it, to find out. */
  nextStepKbps = 0
  /** The cost of the rung being sent (set by the controller). */
  currentStepKbps = 0
  readonly #delays: Array<{atUs: number; delayMs: number}> = []
  readonly #deliveries: Array<{atUs: number; bytes: number}> = []
  #inFlightDelayUs = 0
  readonly #rates: Array<{atUs: number; bits: number; intervalUs: number}> = []

  constructor(private readonly options: GccOptions) {
    this.#targetKbps = clamp(options.startKbps, options.minKbps, options.maxKbps)
  }

  get targetKbps(): number {
    return this.#targetKbps
  }

  get reason(): GccReason {
    return this.#reason
  }

  /** The highest rate the receiver got without overuse over the last 30 s, kbit/s (0 before any). */
  get heldKbps(): number {
    return this.#held.reduce((best, sample) => Math.max(best, sample.kbps), 0)
  }

  /** The rate the receiver got over the last half second, kbit/s (undefined before any report). */
  get receivedKbps(): number | undefined {
    const span = this.#rates.reduce((sum, rate) => sum + rate.intervalUs, 0)
    return span > 0 ? (this.#rates.reduce((sum, rate) => sum + rate.bits, 0) / span) * 1000 : undefined
  }

  /** The rate the receiver echoed our frames at over the last 300 ms, kbit/s (undefined before 100 ms of echoes). */
  get deliveredKbps(): number | undefined {
    const first = this.#deliveries[0]
    const last = this.#deliveries.at(-1)
    if (!first || !last || last.atUs - first.atUs < MIN_DELIVERY_SPAN_US) return undefined
    return ((last.bytes - first.bytes) * 8) / (last.atUs - first.atUs) * 1000
  }

  /** How long the oldest frame queued on the link has waited beyond the fastest round trip, µs (0 before an RTT). */
  get inFlightDelayUs(): number {
    return this.#inFlightDelayUs
  }

  /** Queuing delay trend, ms per second, over the last second of valid reports. */
  get trendMsPerS(): number {
    return slope(this.#delays)
  }

  onReport(report: FeedbackReport, nowUs: number): void {
    this.#rates.push({atUs: nowUs, bits: (report.receivedBitsPerSecond * report.intervalUs) / 1e6, intervalUs: report.intervalUs})
    while (this.#rates.length > 1 && nowUs - this.#rates[0].atUs > RATE_WINDOW_US) this.#rates.shift()
    if (!report.delayValid) return
    const delayMs = report.queuingDelayUs / 1000
    this.#lastDelayMs = delayMs
    this.#delays.push({atUs: nowUs, delayMs})
    while (this.#delays.length > 1 && nowUs - this.#delays[0].atUs > TREND_WINDOW_US) this.#delays.shift()

    const boundMs = this.options.maxLatencyUs / 1000
    const trend = this.trendMsPerS
    // Slow start ends at the first sign of a queue, well before overuse: doubling any further would overshoot.
    if (this.#slowStart && delayMs >= 0.1 * boundMs && trend > 0) this.#slowStart = false
    if (delayMs > 0.5 * boundMs) this.#overuse('overuse:delay', nowUs)
    else if (delayMs > 0.25 * boundMs && trend > 0) this.#overuse('overuse:trend', nowUs)
    else if (report.latencyUs !== undefined && report.latencyUs > 0.8 * this.options.maxLatencyUs) this.#overuse('overuse:latency', nowUs)
    else if (delayMs < 0.1 * boundMs && trend < 0.1 * boundMs) this.#increase(nowUs)
    else this.#hold('hold', nowUs)
    if (!this.#reason.startsWith('overuse')) this.#noteHeld(nowUs)
  }

  #noteHeld(nowUs: number): void {
    const received = this.receivedKbps
    if (received !== undefined) this.#held.push({atUs: nowUs, kbps: received})
    while (this.#held.length > 0 && nowUs - this.#held[0].atUs > HELD_WINDOW_US) this.#held.shift()
  }

  onSenderSignal(signal: SenderSignal, nowUs: number): void {
    if (this.#busyEvents !== undefined && signal.busyEvents > this.#busyEvents) this.#lastBusyUs = nowUs
    this.#busyEvents = signal.busyEvents
    this.#inFlightDelayUs = signal.minRttUs === undefined ? 0 : Math.max(0, signal.inFlightQueueUs - signal.minRttUs)
    this.#deliveries.push({atUs: nowUs, bytes: signal.deliveredBytes})
    while (this.#deliveries.length > 2 && nowUs - this.#deliveries[1].atUs >= DELIVERY_WINDOW_US) this.#deliveries.shift()
    if (this.#inFlightDelayUs > 0.5 * this.options.maxLatencyUs) this.#overuse('overuse:in-flight', nowUs, this.#inFlightDelayUs / 1000)
    if (signal.queuedFrames === 0) {
      this.#queuedSince = undefined
      return
    }

    // A frame waiting for a free connection means every socket buffer is full: the link is already behind.
    this.#queuedSince ??= nowUs
    if (nowUs - this.#queuedSince >= 50_000) this.#overuse('overuse:send-queue', nowUs)
  }

  /** `delayMs`: the queuing delay this signal saw (default: the last report's). */
  #overuse(reason: GccReason, nowUs: number, delayMs = this.#lastDelayMs): void {
    this.#reason = reason
    this.#lastUpdateUs = nowUs
    if (nowUs - this.#lastDecreaseUs < MIN_DECREASE_GAP_US) return
    // One cut per episode: while the queue is draining (delay no higher than at the last cut, and for reports not
    // rising), cutting again would only chase the rate down as we skip frames ourselves. Frames waiting in our own
    // send queue are the exception: every socket is full.
    const recent = nowUs - this.#lastDecreaseUs < 2 * TREND_WINDOW_US
    const easing = delayMs <= this.#delayAtDecreaseMs && (reason === 'overuse:in-flight' || this.trendMsPerS <= 0)
    if (recent && reason !== 'overuse:send-queue' && easing) return
    this.#delayAtDecreaseMs = delayMs
    this.#cut(nowUs)
  }

  #cut(nowUs: number): void {
    // A fast ramp that runs into overuse was a probe that failed: wait longer before the next.
    if (nowUs <= this.#fastUntilUs) this.#probeWaitUs = Math.min(MAX_PROBE_WAIT_US, 2 * this.#probeWaitUs)
    this.#fastUntilUs = -Infinity
    this.#slowStart = false
    this.#lastDecreaseUs = nowUs
    const rates = [this.receivedKbps, this.deliveredKbps].filter((rate): rate is number => rate !== undefined && rate > 0)
    const cut = DECREASE_FACTOR * (rates.length > 0 ? Math.min(...rates) : this.#targetKbps)
    this.#set(Math.min(this.#targetKbps, cut))
  }

  #increase(nowUs: number): void {
    const elapsedUs = this.#lastUpdateUs === undefined ? 0 : Math.min(nowUs - this.#lastUpdateUs, 500_000)
    this.#lastUpdateUs = nowUs
    if (nowUs - this.#lastBusyUs < 500_000) {
      this.#reason = 'hold:busy-lanes'
      return
    }

    // Never run far ahead of what actually gets through (a source that sends less than the target says nothing);
    // past that, increases may always reach the next rung up, to find out. In slow start, one rung at a time, 0.7 s
    // at each, and only once most of the current rung's rate is getting through: doubling past several rungs
    // at once overshot a slow link by a third before its queue could show it.
    const received = this.receivedKbps ?? this.#targetKbps
    if (this.#slowStart && (nowUs < this.#dwellUntilUs || received < SLOW_START_EVIDENCE * this.currentStepKbps)) {
      this.#reason = 'hold:at-cap'
      return
    }

    const evidence = 1.5 * received + 50
    const nextStep = this.nextStepKbps > 0 ? this.nextStepKbps : evidence
    const cap = Math.max(this.options.minKbps, this.#slowStart ? nextStep : Math.max(evidence, nextStep))
    if (this.#targetKbps >= cap || this.#targetKbps >= this.options.maxKbps) {
      this.#reason = 'hold:at-cap'
      return
    }

    if (this.#slowStart) {
      this.#reason = 'increase:start'
      this.#set(Math.min(cap, this.#targetKbps * START_INCREASE_PER_SECOND ** (elapsedUs / 1e6)))
      // At a new rung, stay long enough for the reports to show whether the link takes it (a queue builds slowly
      // when the overshoot is small, and a token bucket hides it at first), and for the received rate to be that
      // rung's alone. (Measured on a 2 Mbit/s tbf link shared with audio: 0.5 s still cost an audio underrun in
      // two runs of three; 0.7 s none in four.)
      if (this.#targetKbps >= cap) this.#dwellUntilUs = nowUs + SLOW_START_DWELL_US
      return
    }

    const fast = this.#targetKbps < FAST_BELOW * this.heldKbps && nowUs - this.#lastDecreaseUs >= this.#probeWaitUs
    if (fast) this.#fastUntilUs = nowUs + 1_000_000
    // A fast ramp that got back to where the link was is a probe that worked: the next may come sooner again.
    else if (this.#fastUntilUs > -Infinity && this.#targetKbps >= FAST_BELOW * this.heldKbps) this.#probeWaitUs = PROBE_WAIT_US
    this.#reason = fast ? 'increase:fast' : 'increase'
    this.#set(Math.min(cap, this.#targetKbps * (fast ? FAST_INCREASE_PER_SECOND : INCREASE_PER_SECOND) ** (elapsedUs / 1e6)))
  }

  #hold(reason: GccReason, nowUs: number): void {
    this.#reason = reason
    this.#lastUpdateUs = nowUs
  }

  #set(kbps: number): void {
    this.#targetKbps = clamp(kbps, this.options.minKbps, this.options.maxKbps)
  }
}

/** Least-squares slope of delay over time, ms per second (0 with fewer than three points). */
function slope(points: Array<{atUs: number; delayMs: number}>): number {
  if (points.length < 3) return 0
  const n = points.length
  const meanT = points.reduce((sum, p) => sum + p.atUs, 0) / n
  const meanD = points.reduce((sum, p) => sum + p.delayMs, 0) / n
  let num = 0
  let den = 0
  for (const p of points) {
    num += (p.atUs - meanT) * (p.delayMs - meanD)
    den += (p.atUs - meanT) ** 2
  }

  return den === 0 ? 0 : (num / den) * 1e6
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value))
}
