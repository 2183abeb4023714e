/**
 * Media messages: what flows on a media connection after the handshake, in both directions (docs/protocol.md).
 * Each is a 24-byte header followed by `payloadLength` bytes. The payload bound is checked from the header alone,
 * before any payload byte is buffered, so a hostile length can never make us allocate it.
 *
 * Header, big-endian:
 *   0  type u8 (1 frame, 2 echo, 3 feedback, 4 rtt)   1 flags u8 (bit0 key frame, bit1 end of stream)   2 reserved u16 (0)
 *   4  seq u32   8 capture time u64 (sender's monotonic clock, µs)
 *   16 sender delay u32 (µs from capture to the write: encode + queue; lets the receiver estimate clock offset)
 *   20 payload length u32
 */
import type {DecodeStep, Decoded} from '../foundation/decoded.js'

export const MESSAGE_HEADER_SIZE = 24

export const MESSAGE_TYPES = {frame: 1, echo: 2, feedback: 3, rtt: 4} as const
export type MessageType = keyof typeof MESSAGE_TYPES

export const FLAG_KEY_FRAME = 0x01
export const FLAG_END_OF_STREAM = 0x02
const KNOWN_FLAGS = FLAG_KEY_FRAME | FLAG_END_OF_STREAM

/** Bounds for the control messages; the frame bound is the receiver's choice (video 4 MiB, audio 64 KiB). */
export const MAX_FEEDBACK_BYTES = 64 * 1024
export const FIXED_PAYLOAD_BYTES: Partial<Record<MessageType, number>> = {echo: 4, rtt: 4}

export interface MessageHeader {
  type: MessageType
  flags: number
  seq: number
  captureUs: number
  senderDelayUs: number
  payloadLength: number
}

export interface MediaMessage extends Omit<MessageHeader, 'payloadLength'> {
  payload: Buffer
}

const TYPE_BY_CODE = new Map<number, MessageType>(Object.entries(MESSAGE_TYPES).map(([name, code]) => [code, name as MessageType]))

export function encodeHeader(header: MessageHeader): Buffer {
  const out = Buffer.alloc(MESSAGE_HEADER_SIZE)
  out.writeUInt8(MESSAGE_TYPES[header.type], 0)
  out.writeUInt8(header.flags & KNOWN_FLAGS, 1)
  out.writeUInt32BE(header.seq >>> 0, 4)
  out.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(header.captureUs))), 8)
  out.writeUInt32BE(Math.min(0xffffffff, Math.max(0, Math.round(header.senderDelayUs))), 16)
  out.writeUInt32BE(header.payloadLength, 20)
  return out
}

/** One whole message as a single buffer (tests and small control messages; frames are written as header + payload). */
export function encodeMessage(message: MediaMessage): Buffer {
  return Buffer.concat([encodeHeader({...message, payloadLength: message.payload.length}), message.payload])
}

/** Validate a header; `maxFrameBytes` bounds frame payloads. Returns the reason when it is not acceptable. */
export function decodeHeader(input: Buffer, maxFrameBytes: number): Decoded<MessageHeader> {
  const type = TYPE_BY_CODE.get(input.readUInt8(0))
  if (!type) return {ok: false, reason: `unknown message type ${input.readUInt8(0)}`}
  const flags = input.readUInt8(1)
  if ((flags & ~KNOWN_FLAGS) !== 0) return {ok: false, reason: `unknown flags 0x${flags.toString(16)}`}
  if (input.readUInt16BE(2) !== 0) return {ok: false, reason: 'reserved header bits set'}
  const payloadLength = input.readUInt32BE(20)
  const fixed = FIXED_PAYLOAD_BYTES[type]
  if (fixed !== undefined && payloadLength !== fixed) return {ok: false, reason: `${type} payload of ${payloadLength} bytes (must be ${fixed})`}
  const bound = type === 'frame' ? maxFrameBytes : MAX_FEEDBACK_BYTES
  if (payloadLength > bound) return {ok: false, reason: `${type} payload of ${payloadLength} bytes exceeds the limit of ${bound}`}
  const captureUs = input.readBigUInt64BE(8)
  if (captureUs > BigInt(Number.MAX_SAFE_INTEGER)) return {ok: false, reason: 'capture time out of range'}
  return {
    ok: true,
    value: {type, flags, seq: input.readUInt32BE(4), captureUs: Number(captureUs), senderDelayUs: input.readUInt32BE(16), payloadLength},
  }
}

/**
 * Streaming decoder: feed it chunks split anywhere; it returns the whole messages they complete. After the first bad
 * header it stays failed (the connection must be closed: there is no way to resynchronise a byte stream).
 */
export class MediaMessageDecoder {
  #chunks: Buffer[] = []
  #buffered = 0
  #header: MessageHeader | undefined
  #error: string | undefined

  constructor(private readonly maxFrameBytes: number) {}

  get error(): string | undefined {
    return this.#error
  }

  /** Bytes held waiting for the rest of a message. */
  get bufferedBytes(): number {
    return this.#buffered + (this.#header ? MESSAGE_HEADER_SIZE : 0)
  }

  push(chunk: Buffer): DecodeStep<MediaMessage> {
    const messages: MediaMessage[] = []
    if (this.#error) return {messages, error: this.#error}
    if (chunk.length > 0) {
      this.#chunks.push(chunk)
      this.#buffered += chunk.length
    }

    for (;;) {
      if (!this.#header) {
        if (this.#buffered < MESSAGE_HEADER_SIZE) break
        const decoded = decodeHeader(this.#take(MESSAGE_HEADER_SIZE), this.maxFrameBytes)
        if (!decoded.ok) {
          this.#error = decoded.reason
          this.#chunks = []
          this.#buffered = 0
          return {messages, error: decoded.reason}
        }

        this.#header = decoded.value
      }

      if (this.#buffered < this.#header.payloadLength) break
      const {payloadLength, ...rest} = this.#header
      messages.push({...rest, payload: this.#take(payloadLength)})
      this.#header = undefined
    }

    return {messages}
  }

  /** Remove and return the first `n` buffered bytes (n ≤ buffered), copying only when they span chunks. */
  #take(n: number): Buffer {
    this.#buffered -= n
    const first = this.#chunks[0]
    if (n === 0) return Buffer.alloc(0)
    if (first.length >= n) {
      if (first.length === n) this.#chunks.shift()
      else this.#chunks[0] = first.subarray(n)
      return first.subarray(0, n)
    }

    const out = Buffer.allocUnsafe(n)
    let filled = 0
    while (filled < n) {
      const head = this.#chunks[0]
      const used = Math.min(head.length, n - filled)
      head.copy(out, filled, 0, used)
      filled += used
      if (used === head.length) this.#chunks.shift()
      else this.#chunks[0] = head.subarray(used)
    }

    return out
  }
}
