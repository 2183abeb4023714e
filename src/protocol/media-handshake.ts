/**
 * The media transport handshake (docs/protocol.md, "Media transport"). Every TCP connection of a media stream opens
 * with one fixed-size hello from the sender; the receiver answers with one fixed-size reply. Fixed sizes mean nothing
 * here is ever allocated from a length the peer chose. With security `tls`, TLS 1.3 keyed by the stream's secret
 * starts right after an `ok` reply, and the receiver's second reply and everything after it travel inside TLS.
 *
 * Hello, 16 bytes, big-endian:
 *   0  magic "IVCM"   4  version u8   5  kind u8 (1 video, 2 audio)   6  security u8 (0 none, 1 tls)   7  reserved u8 (0)
 *   8  stream id u32  12 connection index u16   14 connection count u16
 * Reply, 8 bytes: 0 magic "IVCR"   4 version u8   5 status u8   6 reserved u16 (0)
 */
import type {DecodedPrefix} from '../foundation/decoded.js'

/**
 * 4: the TLS key is bound to the hello, so the handshake confirms it (3 trusted the cleartext hello; 3 added the
 * security byte and TLS instead of a token in the clear; 2 carried the token; 1 echoed only the latest frame).
 */
export const MEDIA_PROTOCOL_VERSION = 4
export const HELLO_MAGIC = Buffer.from('IVCM', 'latin1')
export const REPLY_MAGIC = Buffer.from('IVCR', 'latin1')
export const HELLO_SIZE = 16
export const REPLY_SIZE = 8
export const MAX_CONNECTIONS = 64

export const STREAM_KINDS = {video: 1, audio: 2} as const
export type StreamKind = keyof typeof STREAM_KINDS

export const SECURITY_MODES = {none: 0, tls: 1} as const
export type SecurityMode = keyof typeof SECURITY_MODES

/** Why a receiver accepted or refused a connection. */
export const HELLO_STATUS = {ok: 0, authFailed: 1, busy: 2, badRequest: 3} as const
export type HelloStatus = keyof typeof HELLO_STATUS

export interface Hello {
  kind: StreamKind
  streamId: number
  connectionIndex: number
  connectionCount: number
  /** `tls`: the sender holds the stream's secret and starts TLS after the reply; `none`: plain TCP. */
  security: SecurityMode
}

export function encodeHello(hello: Hello): Buffer {
  if (hello.connectionCount < 1 || hello.connectionCount > MAX_CONNECTIONS) throw new RangeError(`connection count ${hello.connectionCount} is not in 1..${MAX_CONNECTIONS}`)
  if (hello.connectionIndex < 0 || hello.connectionIndex >= hello.connectionCount) throw new RangeError(`connection index ${hello.connectionIndex} is not below ${hello.connectionCount}`)
  const out = Buffer.alloc(HELLO_SIZE)
  HELLO_MAGIC.copy(out, 0)
  out.writeUInt8(MEDIA_PROTOCOL_VERSION, 4)
  out.writeUInt8(STREAM_KINDS[hello.kind], 5)
  out.writeUInt8(SECURITY_MODES[hello.security], 6)
  out.writeUInt32BE(hello.streamId >>> 0, 8)
  out.writeUInt16BE(hello.connectionIndex, 12)
  out.writeUInt16BE(hello.connectionCount, 14)
  return out
}

/** Decode a hello from the start of `input` (undefined: not all of it yet); refuses a wrong magic as soon as its first bytes arrive. */
export function decodeHello(input: Buffer): DecodedPrefix<Hello> {
  const magicError = checkMagic(input, HELLO_MAGIC)
  if (magicError) return {ok: false, reason: magicError}
  if (input.length >= 5 && input[4] !== MEDIA_PROTOCOL_VERSION) return {ok: false, reason: `unsupported protocol version ${input[4]} (this side speaks ${MEDIA_PROTOCOL_VERSION})`}
  if (input.length < HELLO_SIZE) return undefined
  const kind = nameOf(STREAM_KINDS, input.readUInt8(5))
  if (!kind) return {ok: false, reason: `unknown stream kind ${input.readUInt8(5)}`}
  const security = nameOf(SECURITY_MODES, input.readUInt8(6))
  if (!security) return {ok: false, reason: `unknown security mode ${input.readUInt8(6)}`}
  if (input.readUInt8(7) !== 0) return {ok: false, reason: 'reserved hello bits set'}
  const connectionIndex = input.readUInt16BE(12)
  const connectionCount = input.readUInt16BE(14)
  if (connectionCount < 1 || connectionCount > MAX_CONNECTIONS) return {ok: false, reason: `connection count ${connectionCount} is not in 1..${MAX_CONNECTIONS}`}
  if (connectionIndex >= connectionCount) return {ok: false, reason: `connection index ${connectionIndex} is not below count ${connectionCount}`}
  return {
    ok: true,
    value: {kind, streamId: input.readUInt32BE(8), connectionIndex, connectionCount, security},
    rest: input.subarray(HELLO_SIZE),
  }
}

function nameOf<T extends string>(codes: Record<T, number>, code: number): T | undefined {
  return (Object.keys(codes) as T[]).find((name) => codes[name] === code)
}

export function encodeReply(status: HelloStatus): Buffer {
  const out = Buffer.alloc(REPLY_SIZE)
  REPLY_MAGIC.copy(out, 0)
  out.writeUInt8(MEDIA_PROTOCOL_VERSION, 4)
  out.writeUInt8(HELLO_STATUS[status], 5)
  return out
}

export function decodeReply(input: Buffer): DecodedPrefix<HelloStatus> {
  const magicError = checkMagic(input, REPLY_MAGIC)
  if (magicError) return {ok: false, reason: magicError}
  if (input.length >= 5 && input[4] !== MEDIA_PROTOCOL_VERSION) return {ok: false, reason: `unsupported protocol version ${input[4]} (this side speaks ${MEDIA_PROTOCOL_VERSION})`}
  if (input.length < REPLY_SIZE) return undefined
  const status = nameOf(HELLO_STATUS, input.readUInt8(5))
  if (!status) return {ok: false, reason: `unknown reply status ${input.readUInt8(5)}`}
  if (input.readUInt16BE(6) !== 0) return {ok: false, reason: 'reserved reply bits set'}
  return {ok: true, value: status, rest: input.subarray(REPLY_SIZE)}
}

function checkMagic(input: Buffer, magic: Buffer): string | undefined {
  const n = Math.min(input.length, magic.length)
  if (input.subarray(0, n).equals(magic.subarray(0, n))) return undefined
  return `bad magic ${JSON.stringify(input.subarray(0, n).toString('latin1'))} (expected ${JSON.stringify(magic.toString('latin1'))})`
}
