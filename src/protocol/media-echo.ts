/**
 * The timing messages of the media transport (docs/protocol.md), payloads of 4 bytes each:
 *
 * - `echo` (receiver → sender): the header's seq and capture time name the frame echoed, its capture time being the
 *   frame's SEND time (capture + sender delay); the payload is the hold time u32 µs, how long the receiver held that
 *   frame before echoing. The sender's RTT = now − send time − hold time, all on the sender's own clock.
 * - `rtt` (sender → receiver): the payload is the sender's latest RTT estimate, u32 µs, so the receiver can turn its
 *   relative one-way delay into an absolute estimate (base one-way delay ≈ RTT / 2).
 */
import {encodeMessage, MAX_FEEDBACK_BYTES, type MediaMessage} from './media-message.js'

export interface Echo {
  seq: number
  sendUs: number
  holdUs: number
}

export function encodeEcho(echo: Echo): Buffer {
  return encodeMessage({type: 'echo', flags: 0, seq: echo.seq, captureUs: echo.sendUs, senderDelayUs: 0, payload: u32(echo.holdUs)})
}

/** The echo in a decoded `echo` message (the decoder has already checked the payload is exactly 4 bytes). */
export function decodeEcho(message: MediaMessage): Echo {
  return {seq: message.seq, sendUs: message.captureUs, holdUs: message.payload.readUInt32BE(0)}
}

export function encodeRttReport(rttUs: number): Buffer {
  return encodeMessage({type: 'rtt', flags: 0, seq: 0, captureUs: 0, senderDelayUs: 0, payload: u32(rttUs)})
}

export function decodeRttReport(message: MediaMessage): number {
  return message.payload.readUInt32BE(0)
}

/** A `feedback` message: an opaque payload (JSON by convention) for rate adaptation, in either direction. */
export function encodeFeedback(payload: Buffer): Buffer {
  if (payload.length > MAX_FEEDBACK_BYTES) throw new RangeError(`feedback of ${payload.length} bytes exceeds ${MAX_FEEDBACK_BYTES}`)
  return encodeMessage({type: 'feedback', flags: 0, seq: 0, captureUs: 0, senderDelayUs: 0, payload})
}

function u32(value: number): Buffer {
  const out = Buffer.alloc(4)
  out.writeUInt32BE(Math.min(0xffffffff, Math.max(0, Math.round(value))), 0)
  return out
}
