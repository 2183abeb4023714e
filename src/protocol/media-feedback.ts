/**
 * The adaptation feedback report (docs/protocol.md, "Adaptation feedback"): what a video receiver tells its sender
 * every 100 ms, carried as the opaque payload of the media transport's `feedback` message (receiver → sender).
 * Fixed size, 40 bytes, big-endian; a report of any other version or length is refused with a named reason.
 *
 *   0  version u8 (1)              1  flags u8 (bit0 delay valid: at least one frame arrived in the interval)
 *   2  report number u16 (wraps; the sender ignores stale or reordered reports)
 *   4  interval µs u32             8  queuing delay µs u32 (latest frame's transit minus the running minimum)
 *   12 max queuing delay µs u32 (over the interval)                16 received bitrate bit/s u32 (payload only)
 *   20 frames received u16         22 late frames u16 (arrived after their playout time)
 *   24 missing frames u16 (skipped at playout: never arrived in time)   26 reserved u16 (0)
 *   28 jitter-buffer level µs u32 (playout time of the last queued frame minus now)
 *   32 highest seq u32             36 latency µs u32 (capture → arrival estimate; 0xffffffff unknown)
 *
 * The keyframe request (docs/protocol.md, "Keyframe request"): a receiver of a stream whose frames refer to earlier
 * ones (H.264) asks for a keyframe after a frame it could not decode. 8 bytes, big-endian:
 *
 *   0  kind u8 (0x80)              1  version u8 (1)
 *   2  request number u16 (wraps; the sender ignores one not newer than the last)
 *   4  seq u32 (the newest frame the receiver took since it lost its reference; the sender ignores a request from
 *      before its last keyframe)
 *
 * `decodeFeedback` tells the two apart by the first byte: 0x01–0x7f is a report's version (later report versions take
 * the next numbers), 0x80–0xff the kind of any other payload, 0x00 is never sent.
 */
import type {Decoded} from '../foundation/decoded.js'

export const FEEDBACK_VERSION = 1
export const FEEDBACK_REPORT_SIZE = 40
export const FLAG_DELAY_VALID = 0x01
const KNOWN_FLAGS = FLAG_DELAY_VALID
const U32_MAX = 0xffffffff
const U16_MAX = 0xffff

export interface FeedbackReport {
  reportNumber: number
  /** False when no frame arrived in the interval: the delay fields then repeat old news. */
  delayValid: boolean
  intervalUs: number
  queuingDelayUs: number
  maxQueuingDelayUs: number
  receivedBitsPerSecond: number
  framesReceived: number
  lateFrames: number
  missingFrames: number
  bufferLevelUs: number
  highestSeq: number
  /** Capture → arrival, µs; undefined when the receiver cannot estimate it yet. */
  latencyUs: number | undefined
}

export function encodeFeedbackReport(report: FeedbackReport): Buffer {
  const out = Buffer.alloc(FEEDBACK_REPORT_SIZE)
  out.writeUInt8(FEEDBACK_VERSION, 0)
  out.writeUInt8(report.delayValid ? FLAG_DELAY_VALID : 0, 1)
  out.writeUInt16BE(report.reportNumber & U16_MAX, 2)
  out.writeUInt32BE(u32(report.intervalUs), 4)
  out.writeUInt32BE(u32(report.queuingDelayUs), 8)
  out.writeUInt32BE(u32(report.maxQueuingDelayUs), 12)
  out.writeUInt32BE(u32(report.receivedBitsPerSecond), 16)
  out.writeUInt16BE(u16(report.framesReceived), 20)
  out.writeUInt16BE(u16(report.lateFrames), 22)
  out.writeUInt16BE(u16(report.missingFrames), 24)
  out.writeUInt32BE(u32(report.bufferLevelUs), 28)
  out.writeUInt32BE(report.highestSeq >>> 0, 32)
  // Unknown latency is all ones; a real latency that large (71 minutes) saturates one below it.
  out.writeUInt32BE(report.latencyUs === undefined ? U32_MAX : Math.min(U32_MAX - 1, u32(report.latencyUs)), 36)
  return out
}

/** Decode one report (a whole feedback payload). Never throws: a bad payload yields the reason. */
export function decodeFeedbackReport(input: Buffer): Decoded<FeedbackReport> {
  if (input.length < 1) return {ok: false, reason: 'empty feedback report'}
  const version = input.readUInt8(0)
  if (version !== FEEDBACK_VERSION) return {ok: false, reason: `unsupported feedback version ${version}`}
  if (input.length !== FEEDBACK_REPORT_SIZE) return {ok: false, reason: `feedback report of ${input.length} bytes (must be ${FEEDBACK_REPORT_SIZE})`}
  const flags = input.readUInt8(1)
  if ((flags & ~KNOWN_FLAGS) !== 0) return {ok: false, reason: `unknown feedback flags 0x${flags.toString(16)}`}
  if (input.readUInt16BE(26) !== 0) return {ok: false, reason: 'reserved feedback bits set'}
  const latency = input.readUInt32BE(36)
  return {
    ok: true,
    value: {
      reportNumber: input.readUInt16BE(2),
      delayValid: (flags & FLAG_DELAY_VALID) !== 0,
      intervalUs: input.readUInt32BE(4),
      queuingDelayUs: input.readUInt32BE(8),
      maxQueuingDelayUs: input.readUInt32BE(12),
      receivedBitsPerSecond: input.readUInt32BE(16),
      framesReceived: input.readUInt16BE(20),
      lateFrames: input.readUInt16BE(22),
      missingFrames: input.readUInt16BE(24),
      bufferLevelUs: input.readUInt32BE(28),
      highestSeq: input.readUInt32BE(32),
      latencyUs: latency === U32_MAX ? undefined : latency,
    },
  }
}

/** The first byte of feedback that is not a report: a kind, from here up; below it, a report's version. */
export const FIRST_FEEDBACK_KIND = 0x80
export const KEYFRAME_REQUEST_KIND = 0x80
export const KEYFRAME_REQUEST_VERSION = 1
export const KEYFRAME_REQUEST_SIZE = 8

export interface KeyframeRequest {
  requestNumber: number
  /** The newest frame the receiver took (skipped, or failed to decode) since it lost its reference. */
  seq: number
}

/** What a feedback payload (receiver → sender) carries. */
export type Feedback = {kind: 'report'; report: FeedbackReport} | {kind: 'keyframe-request'; request: KeyframeRequest}

export function encodeKeyframeRequest(request: KeyframeRequest): Buffer {
  const out = Buffer.alloc(KEYFRAME_REQUEST_SIZE)
  out.writeUInt8(KEYFRAME_REQUEST_KIND, 0)
  out.writeUInt8(KEYFRAME_REQUEST_VERSION, 1)
  out.writeUInt16BE(request.requestNumber & U16_MAX, 2)
  out.writeUInt32BE(request.seq >>> 0, 4)
  return out
}

/** Decode one keyframe request (a whole feedback payload). Never throws: a bad payload yields the reason. */
export function decodeKeyframeRequest(input: Buffer): Decoded<KeyframeRequest> {
  if (input.length < 2) return {ok: false, reason: `keyframe request of ${input.length} bytes (must be ${KEYFRAME_REQUEST_SIZE})`}
  if (input.readUInt8(0) !== KEYFRAME_REQUEST_KIND) return {ok: false, reason: `not a keyframe request (kind 0x${input.readUInt8(0).toString(16)})`}
  const version = input.readUInt8(1)
  if (version !== KEYFRAME_REQUEST_VERSION) return {ok: false, reason: `unsupported keyframe request version ${version}`}
  if (input.length !== KEYFRAME_REQUEST_SIZE) return {ok: false, reason: `keyframe request of ${input.length} bytes (must be ${KEYFRAME_REQUEST_SIZE})`}
  return {ok: true, value: {requestNumber: input.readUInt16BE(2), seq: input.readUInt32BE(4)}}
}

/** A whole feedback payload, whichever it is: an adaptation report or a keyframe request (by its first byte). */
export function decodeFeedback(input: Buffer): Decoded<Feedback> {
  const first = input.length >= 1 ? input.readUInt8(0) : undefined
  if (first === KEYFRAME_REQUEST_KIND) {
    const request = decodeKeyframeRequest(input)
    return request.ok ? {ok: true, value: {kind: 'keyframe-request', request: request.value}} : request
  }

  if (first !== undefined && first >= FIRST_FEEDBACK_KIND) return {ok: false, reason: `unknown feedback kind 0x${first.toString(16)}`}

  const report = decodeFeedbackReport(input)
  return report.ok ? {ok: true, value: {kind: 'report', report: report.value}} : report
}

/** Is report number `a` newer than `b`, modulo 2^16 (serial-number arithmetic)? */
export function isNewerReport(a: number, b: number): boolean {
  const diff = (a - b) & U16_MAX
  return diff !== 0 && diff < 0x8000
}

function u32(value: number): number {
  return Number.isFinite(value) ? Math.min(U32_MAX, Math.max(0, Math.round(value))) : 0
}

function u16(value: number): number {
  return Number.isFinite(value) ? Math.min(U16_MAX, Math.max(0, Math.round(value))) : 0
}
