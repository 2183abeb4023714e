import {type FeedbackReport, isNewerReport} from '../protocol/media-feedback.js'
import {GccRateControl, type SenderSignal} from './gcc-rate.js'
import {buildLadder, CostModel, type Encoding, type Rung, sameRung} from './ladder.js'
import {SeedRule} from './seed-rule.js'

export const ADAPT_STRATEGIES = ['gcc', 'seed', 'off'] as const
export type AdaptStrategy = (typeof ADAPT_STRATEGIES)[number]
export const DEFAULT_MAX_LATENCY_MS = 150
const DEFAULT_START_KBPS = 1000

export interface AdaptControllerOptions {
  strategy: AdaptStrategy
  /** The encoding asked for on the command line: the top of the ladder. */
  top: Encoding
  /** The latency bound (--max-latency), ms. Default 150. */
  maxLatencyMs?: number
  /** gcc's first target, from which slow start climbs until a queue forms (GccRateControl). Default 1000 kbit/s. */
  startKbps?: number
}

/** What the stats line, `--json` summaries and `ivc control stats` show. */
export interface AdaptState {
  strategy: AdaptStrategy
  targetKbps: number
  scale: number
  quality: number
  fps: number
  reason: string
  /** Frames skipped at the sender: predicted to arrive after the bound, or over the rate budget. */
  skippedLate: number
  skippedBudget: number
  badReports: number
  /** Feedback reports taken (newest first; stale and malformed ones are not). */
  reports: number
}

const UP_SWITCH_HEADROOM = 0.95
const BUDGET_BURST_US = 200_000
const STALE_REPORT_US = 1_000_000
const MAX_SKIP_RUN_US = 1_000_000

/**
 * The sender's half of adaptation: feed it the receiver's reports and its own queue, ask it per captured frame whether
 * to send and at which encoding. Pure, clock injected through every call. `off` keeps the top encoding and never
 * skips; `seed` only changes the scale (SeedRule); `gcc` sets a target bitrate (GccRateControl), picks the best rung
 * of the ladder that fits it, and skips frames that would arrive after the bound or overrun the target.
 *
 * Audio is never starved: the target covers video alone. The receiver reports video's own received rate, so a cut
 * to 0.85 × that rate leaves audio's share of the link untouched, and the delay signal is the shared bottleneck queue
 * that audio crosses too: holding it under the bound keeps audio on time as well.
 */
export class AdaptController {
  readonly strategy: AdaptStrategy
  readonly #ladder: Rung[]
  readonly #cost: CostModel
  readonly #gcc: GccRateControl
  readonly #seed: SeedRule
  readonly #maxLatencyUs: number
  #rung: Rung
  #lastReport: {report: FeedbackReport; atUs: number} | undefined
  #debtBits = 0
  #debtAtUs: number | undefined
  #lastSentUs: number | undefined
  #counts = {skippedLate: 0, skippedBudget: 0, badReports: 0, reports: 0}

  constructor(options: AdaptControllerOptions) {
    this.strategy = options.strategy
    this.#maxLatencyUs = (options.maxLatencyMs ?? DEFAULT_MAX_LATENCY_MS) * 1000
    this.#ladder = buildLadder(options.top)
    this.#cost = new CostModel(options.top)
    this.#rung = this.#ladder[0]
    this.#gcc = new GccRateControl({
      maxLatencyUs: this.#maxLatencyUs,
      startKbps: options.startKbps ?? DEFAULT_START_KBPS,
      minKbps: 50,
      maxKbps: 1_000_000,
    })
    this.#seed = new SeedRule(this.#maxLatencyUs)
    if (this.strategy === 'gcc') this.#chooseRung()
  }

  get ladder(): readonly Rung[] {
    return this.#ladder
  }

  /**
   * Encode the next frame at this. The first frame always has the full size, whatever its quality: a player sizes
   * its window by the first frame it shows, and later smaller frames are scaled up to fill it.
   */
  get encoding(): Rung {
    if (this.strategy === 'seed') return {...this.#ladder[0], scale: this.#seed.scale}
    if (this.#lastSentUs === undefined) return {...this.#rung, scale: this.#ladder[0].scale}
    return this.#rung
  }

  get state(): AdaptState {
    const encoding = this.encoding
    const targetKbps = this.strategy === 'gcc' ? this.#gcc.targetKbps : this.#cost.kbps(encoding)
    const reason = this.strategy === 'gcc' ? this.#gcc.reason : this.strategy === 'seed' ? this.#seed.reason : 'off'
    return {strategy: this.strategy, targetKbps: Math.round(targetKbps), ...encoding, reason, ...this.#counts}
  }

  /** A feedback payload the transport could not decode as a report: counted, and otherwise ignored. */
  onBadReport(): void {
    this.#counts.badReports++
  }

  onFeedback(report: FeedbackReport, nowUs: number): boolean {
    // Reports travel on whichever connection is least loaded, so they may overtake each other: keep the newest only.
    if (this.#lastReport && !isNewerReport(report.reportNumber, this.#lastReport.report.reportNumber)) return false
    this.#lastReport = {report, atUs: nowUs}
    this.#counts.reports++
    if (this.strategy === 'seed' && report.latencyUs !== undefined) this.#seed.onLatency(report.latencyUs)
    if (this.strategy === 'gcc') {
      this.#gcc.onReport(report, nowUs)
      this.#chooseRung()
    }

    return true
  }

  /** The transport's own queue (sender.stats), as often as convenient (every frame is fine). */
  onSenderState(signal: SenderSignal, nowUs: number): void {
    if (this.strategy !== 'gcc') return
    this.#gcc.onSenderSignal(signal, nowUs)
    this.#chooseRung()
  }

  /**
   * Ask before encoding a captured frame `frameAgeUs` old (now − capture). gcc says no when the frame would reach
   * the receiver after the bound (its age + the longer of the queue the last report saw, less the time since, and
   * the queuing the oldest frame still in flight has met so far + the base delay), or when the frames already
   * sent at the current encoding run more than 200 ms ahead of the target. Never more than a second in a row, so
   * reports keep flowing.
   */
  shouldSend(frameAgeUs: number, nowUs: number): boolean {
    if (this.strategy !== 'gcc') return true
    if (this.#lastSentUs !== undefined && nowUs - this.#lastSentUs >= MAX_SKIP_RUN_US) return true
    this.#repay(nowUs)
    if (this.#debtBits > (this.#gcc.targetKbps * 1000 * BUDGET_BURST_US) / 1e6) {
      this.#counts.skippedBudget++
      return false
    }

    const last = this.#lastReport
    const fresh = last !== undefined && last.report.delayValid && nowUs - last.atUs < STALE_REPORT_US
    const reportedUs = fresh ? Math.max(0, last.report.queuingDelayUs - (nowUs - last.atUs)) : 0
    const baseUs = fresh && last.report.latencyUs !== undefined ? Math.max(0, last.report.latencyUs - last.report.queuingDelayUs) : 0
    if (frameAgeUs + Math.max(reportedUs, this.#gcc.inFlightDelayUs) + baseUs > this.#maxLatencyUs) {
      this.#counts.skippedLate++
      return false
    }

    return true
  }

  /** A frame of `bytes` went to the transport, encoded at `encoding` (what `this.encoding` said when it was asked). */
  onFrameSent(bytes: number, nowUs: number, encoding: Rung): void {
    this.#cost.observe(bytes, encoding)
    const first = this.#lastSentUs === undefined
    this.#lastSentUs = nowUs
    if (this.strategy === 'seed') this.#seed.onFrame()
    if (this.strategy !== 'gcc') return
    this.#repay(nowUs)
    // The first frame has the full size for the player's window (see encoding), not what the target allows: a raw
    // one alone would otherwise hold the stream back for seconds.
    if (!first) this.#debtBits += bytes * 8
    this.#chooseRung()
  }

  #repay(nowUs: number): void {
    if (this.#debtAtUs !== undefined) this.#debtBits = Math.max(0, this.#debtBits - (this.#gcc.targetKbps * 1000 * (nowUs - this.#debtAtUs)) / 1e6)
    this.#debtAtUs = nowUs
  }

  /** The best rung whose estimated cost fits the target; moving up needs 5 % headroom so it does not flap. */
  #chooseRung(): void {
    const target = this.#gcc.targetKbps
    const fits = this.#ladder.find((rung) => this.#cost.kbps(rung) <= target) ?? this.#ladder.at(-1)!
    const current = this.#ladder.findIndex((rung) => sameRung(rung, this.#rung))
    const candidate = this.#ladder.indexOf(fits)
    if (candidate > current) this.#rung = fits
    else if (candidate < current) {
      const up = this.#ladder.find((rung) => this.#cost.kbps(rung) <= UP_SWITCH_HEADROOM * target)
      if (up && this.#ladder.indexOf(up) < current) this.#rung = up
    }

    const index = this.#ladder.findIndex((rung) => sameRung(rung, this.#rung))
    // 1 % over the switching point, so a target capped at it does switch (not miss by a rounding error).
    this.#gcc.nextStepKbps = index > 0 ? (1.01 * this.#cost.kbps(this.#ladder[index - 1])) / UP_SWITCH_HEADROOM : 0
    this.#gcc.currentStepKbps = this.#cost.kbps(this.#rung)
  }
}
