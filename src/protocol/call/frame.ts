import type {DecodeStep} from '../../foundation/decoded.js'
import {BadMagicError, BadVersionError, type FrameError, OversizeError, TruncatedError, UnknownTypeError} from './errors.js'

/**
 * The frame shared by call signalling and call control (docs/protocol.md, "Call signalling"). 8-byte header,
 * big-endian, then a body of at most MAX_BODY_BYTES:
 *   0 magic[4]   4 version u8   5 type u8   6 body length u16
 * The decoder checks every header byte as soon as it arrives (a wrong magic fails on its first wrong byte) and
 * checks the length before allocating the body, so a peer can never make it buffer more than one bounded frame.
 */
export const HEADER_BYTES = 8
export const MAX_BODY_BYTES = 16 * 1024

export interface FrameSpec {
  /** Used in error texts: "signalling", "control". */
  readonly protocol: string
  readonly magic: Buffer
  readonly version: number
  /** Type codes this protocol knows. */
  readonly types: ReadonlySet<number>
  readonly maxBodyBytes: number
}

export interface RawFrame {
  type: number
  body: Buffer
}

export function encodeFrame(spec: FrameSpec, type: number, body: Buffer): Buffer {
  if (!spec.types.has(type)) throw new RangeError(`${spec.protocol}: no message type 0x${type.toString(16)}`)
  if (body.length > spec.maxBodyBytes) throw new RangeError(`${spec.protocol}: body of ${body.length} bytes exceeds ${spec.maxBodyBytes}`)
  const frame = Buffer.allocUnsafe(HEADER_BYTES + body.length)
  spec.magic.copy(frame, 0)
  frame.writeUInt8(spec.version, 4)
  frame.writeUInt8(type, 5)
  frame.writeUInt16BE(body.length, 6)
  body.copy(frame, HEADER_BYTES)
  return frame
}

/** The frames a chunk completed; once the input is bad, `error`, which every later call returns again. */
export type FrameStep = DecodeStep<RawFrame, FrameError>

/** Streaming decoder: accepts the input split anywhere. */
export class FrameDecoder {
  readonly #spec: FrameSpec
  readonly #header = Buffer.alloc(HEADER_BYTES)
  #headerFill = 0
  #body: Buffer | undefined
  #bodyFill = 0
  #error: FrameError | undefined

  constructor(spec: FrameSpec) {
    this.#spec = spec
  }

  get failed(): FrameError | undefined {
    return this.#error
  }

  /** Bytes of an unfinished frame held right now (never more than one header plus one bounded body). */
  get buffered(): number {
    return this.#headerFill + this.#bodyFill
  }

  push(chunk: Uint8Array): FrameStep {
    const frames: RawFrame[] = []
    let at = 0
    while (!this.#error && at < chunk.length) {
      if (this.#body === undefined) {
        this.#header[this.#headerFill] = chunk[at++]
        this.#headerFill += 1
        this.#error = this.#checkHeaderByte(this.#headerFill - 1)
        if (!this.#error && this.#headerFill === HEADER_BYTES) this.#startBody()
      } else {
        const take = Math.min(this.#body.length - this.#bodyFill, chunk.length - at)
        this.#body.set(chunk.subarray(at, at + take), this.#bodyFill)
        this.#bodyFill += take
        at += take
      }

      if (this.#body !== undefined && this.#bodyFill === this.#body.length) {
        frames.push({type: this.#header[5], body: this.#body})
        this.#body = undefined
        this.#bodyFill = 0
        this.#headerFill = 0
      }
    }

    return this.#error ? {messages: frames, error: this.#error} : {messages: frames}
  }

  /** The stream ended: an error if it ended inside a frame (or the decoder had already failed). */
  end(): FrameError | undefined {
    if (this.#error) return this.#error
    const protocol = this.#spec.protocol
    if (this.#body !== undefined) this.#error = new TruncatedError(protocol, 'body', this.#bodyFill, this.#body.length)
    else if (this.#headerFill > 0) this.#error = new TruncatedError(protocol, 'header', this.#headerFill, HEADER_BYTES)
    return this.#error
  }

  #checkHeaderByte(index: number): FrameError | undefined {
    const spec = this.#spec
    const value = this.#header[index]
    if (index < 4 && value !== spec.magic[index]) {
      return new BadMagicError(spec.protocol, spec.magic, Buffer.from(this.#header.subarray(0, index + 1)))
    }

    if (index === 4 && value !== spec.version) return new BadVersionError(spec.protocol, value, spec.version)
    if (index === 5 && !spec.types.has(value)) return new UnknownTypeError(spec.protocol, value)
    if (index === 7) {
      const length = this.#header.readUInt16BE(6)
      if (length > spec.maxBodyBytes) return new OversizeError(spec.protocol, length, spec.maxBodyBytes)
    }

    return undefined
  }

  #startBody(): void {
    // Bounded by the check on byte 7: at most maxBodyBytes.
    this.#body = Buffer.allocUnsafe(this.#header.readUInt16BE(6))
    this.#bodyFill = 0
  }
}
