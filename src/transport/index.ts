/**
 * The media transport, shared by video and audio. API note (stable; ask the video owner before changing it):
 *
 * SENDING — `const sender = await MediaSender.connect({host, port, kind: 'audio', connections: 10, logger, secret?,
 *   maxQueueDelayMs?, maxQueuedFrames?})` opens N TCP connections and handshakes each (rejects with IvcError
 *   PEER_UNREACHABLE / AUTH_FAILED / PROTOCOL_ERROR; BAD_USAGE for connections outside 1..64).
 *   `sender.send(payload, captureUs, {key?})` → seq (u32, assigned in order). Never blocks: a frame goes on the
 *   lowest-numbered connection with nothing in flight (unechoed), else the one with the fewest bytes in flight, among
 *   those not busy, or waits in a small queue; frames older than maxQueueDelayMs (default 250) are dropped and
 *   counted. `sender.stats` → {sent, bytes, dropped, queued, busyEvents, inFlightBytes, deliveredBytes,
 *   inFlightQueueUs, openConnections, rttUs, minRttUs}.
 *   `sender.sendFeedback(buf)`; events 'echo' {seq, rttUs}, 'feedback' (FeedbackReport, decoded here),
 *   'keyframe-request' (KeyframeRequest, decoded here), 'bad-feedback' (reason), 'lane-up' {index}, 'lane-lost' {index, reason},
 *   'closed' {reason} (every connection gone: the peer left). `await sender.end()` sends end-of-stream and closes;
 *   `sender.close()` closes at once.
 * RECEIVING — `const receiver = await MediaReceiver.listen({port (0 = ephemeral), kind, logger, secret?, maxFrameBytes?,
 *   host?})`; `receiver.port`. Events: 'stream-start' {streamId, connections, remoteAddress}; 'frame' ReceivedFrame
 *   {seq, captureUs, senderDelayUs, key, payload, receivedUs, laneIndex} in ARRIVAL order (not reordered);
 *   'rtt' (µs, the sender's RTT, about once a second); 'feedback' (Buffer); 'rejected' {remote, reason} (also logged:
 *   bad handshake, plain TCP to a receiver with a secret or a failed TLS handshake = "AUTH_FAILED: ...", oversize, garbage); 'stream-end' {streamId, reason:
 *   'end-of-stream' | 'connections-closed'}. One stream at a time; after its end a new sender may connect.
 *   `receiver.sendFeedback(report)` (a FeedbackReport, encoded here), `receiver.sendKeyframeRequest(request)`; `await receiver.close()`. Every frame is echoed
 *   at once on its connection.
 * TIMING — capture times are `monotonicUs()` (CLOCK_MONOTONIC µs, shared by processes on one host). What a stream
 *   does with them (the jitter buffer, one-way delay) is media timing, in src/media/timing/.
 */
export {DEFAULT_MAX_FRAME_BYTES, MediaReceiver, type MediaReceiverOptions, type ReceivedFrame, type StreamEndReason, type StreamInfo} from './media-receiver.js'
export {type EchoSample, MediaSender, type MediaSenderOptions, type SenderStats} from './media-sender.js'
export {MAX_CONNECTIONS, type StreamKind} from '../protocol/media-handshake.js'
