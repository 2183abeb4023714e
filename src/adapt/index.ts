/**
 * Rate adaptation for video (issue 8). API note:
 *
 * RECEIVER — `const reporter = new FeedbackReporter({startUs: monotonicUs()})`; per arriving frame
 *   `reporter.onFrame({seq, captureUs, senderDelayUs, receivedUs, bytes: payload.length})`; on the transport's 'rtt'
 *   event `reporter.onRtt(rttUs)`; after each jitter-buffer push/pop `reporter.onPlayout({late, missing, levelUs})`
 *   (cumulative counters from JitterBuffer.stats). Every ~20 ms (or per frame) `const report = reporter.poll(now)`;
 *   when defined, `receiver.sendFeedback(report)` (the transport encodes it). Reports come every 100 ms, frames or not.
 * SENDER — `const controller = new AdaptController({strategy, top: {width, height, fps, quality}, maxLatencyMs})`;
 *   on the transport's 'feedback' event (a report it decoded) `controller.onFeedback(report, now)`, on 'bad-feedback'
 *   `controller.onBadReport()`; per captured frame
 *   `controller.onSenderState({queuedFrames: stats.queued, busyEvents: stats.busyEvents, inFlightQueueUs:
 *   stats.inFlightQueueUs, minRttUs: stats.minRttUs, deliveredBytes: stats.deliveredBytes}, now)`, then
 *   `if (!controller.shouldSend(now - captureUs, now)) skip`, else encode at `controller.encoding` ({scale, quality,
 *   fps}: capture is at the top fps, use a frame only when the rung's fps allows it), `sender.send(...)`,
 *   `controller.onFrameSent(bytes, now, encoding)`. `controller.state` ({strategy, targetKbps, scale, quality, fps, reason,
 *   skippedLate, skippedBudget, badReports}) goes into the stats events, summaries and the bus.
 */
export {ADAPT_STRATEGIES, AdaptController, type AdaptControllerOptions, type AdaptState, type AdaptStrategy, DEFAULT_MAX_LATENCY_MS} from './controller.js'
export {FeedbackReporter, type FeedbackReporterOptions, type ObservedFrame, type PlayoutState} from './feedback-reporter.js'
export {type GccReason, type SenderSignal} from './gcc-rate.js'
export {buildLadder, CostModel, type Encoding, type Rung, scaledSize} from './ladder.js'
export {SEED_EVERY_FRAMES, SEED_FLOOR} from './seed-rule.js'
export {decodeFeedbackReport, encodeFeedbackReport, type FeedbackReport} from '../protocol/media-feedback.js'
