/**
 * The media transport handshake (docs/protocol.md, "Media transport"). Every TCP connection of a media stream opens
 * with one fixed-size hello from the sender; the receiver answers with one fixed-size reply. Fixed sizes mean nothing
 * here is ever allocated from a length the peer chose.
 *
 * Hello, 81 bytes, big-endian:
 *   0  magic "IVCM"   4  version u8   5  kind u8 (1 video, 2 audio)   6  reserved u16 (0)
 *   8  stream id u32  12 connection index u16   14 connection count u16
 *   16 token length u8 (0..64)   17 token, 64 bytes, zero padded
 * Reply, 8 bytes: 0 magic "IVCR"   4 version u8   5 status u8   6 reserved u16 (0)
 */
/** 2: the receiver echoes every frame on the connection it came by (1 echoed its latest frame every 200 ms). */
export const MEDIA_PROTOCOL_VERSION = 2
export const HELLO_MAGIC = Buffer.from('IVCM', 'latin1')
export const REPLY_MAGIC = Buffer.from('IVCR', 'latin1')
export const HELLO_SIZE = 81
export const REPLY_SIZE = 8
export const MAX_TOKEN_BYTES = 64
export const MAX_CONNECTIONS = 64

export const STREAM_KINDS = {video: 1, audio: 2} as const
export type StreamKind = keyof typeof STREAM_KINDS

/** Why a receiver accepted or refused a connection. */
export const HELLO_STATUS = {ok: 0, authFailed: 1, busy: 2, badRequest: 3} as const
export type HelloStatus = keyof typeof HELLO_STATUS

export interface Hello {
  kind: StreamKind
  streamId: number
  connectionIndex: number
  connectionCount: number
  /** Empty when the stream is not authenticated. */
  token: string
}

export type Decoded<T> = {status: 'ok'; value: T; rest: Buffer} | {status: 'incomplete'} | {status: 'error'; reason: string}

export function encodeHello(hello: Hello): Buffer {
  const token = Buffer.from(hello.token, 'utf8')
  if (token.length > MAX_TOKEN_BYTES) throw new RangeError(`token of ${token.length} bytes exceeds ${MAX_TOKEN_BYTES}`)
  if (hello.connectionCount < 1 || hello.connectionCount > MAX_CONNECTIONS) throw new RangeError(`connection count ${hello.connectionCount} is not in 1..${MAX_CONNECTIONS}`)
  if (hello.connectionIndex < 0 || hello.connectionIndex >= hello.connectionCount) throw new RangeError(`connection index ${hello.connectionIndex} is not below ${hello.connectionCount}`)
  const out = Buffer.alloc(HELLO_SIZE)
  HELLO_MAGIC.copy(out, 0)
  out.writeUInt8(MEDIA_PROTOCOL_VERSION, 4)
  out.writeUInt8(STREAM_KINDS[hello.kind], 5)
  out.writeUInt32BE(hello.streamId >>> 0, 8)
  out.writeUInt16BE(hello.connectionIndex, 12)
  out.writeUInt16BE(hello.connectionCount, 14)
  out.writeUInt8(token.length, 16)
  token.copy(out, 17)
  return out
}

/** Decode a hello from the start of `input`; rejects a wrong magic as soon as its first bytes arrive. */
export function decodeHello(input: Buffer): Decoded<Hello> {
  const magicError = checkMagic(input, HELLO_MAGIC)
  if (magicError) return {status: 'error', reason: magicError}
  if (input.length >= 5 && input[4] !== MEDIA_PROTOCOL_VERSION) return {status: 'error', reason: `unsupported protocol version ${input[4]} (this side speaks ${MEDIA_PROTOCOL_VERSION})`}
  if (input.length < HELLO_SIZE) return {status: 'incomplete'}
  const kindCode = input.readUInt8(5)
  const kind = (Object.keys(STREAM_KINDS) as StreamKind[]).find((name) => STREAM_KINDS[name] === kindCode)
  if (!kind) return {status: 'error', reason: `unknown stream kind ${kindCode}`}
  if (input.readUInt16BE(6) !== 0) return {status: 'error', reason: 'reserved hello bits set'}
  const connectionIndex = input.readUInt16BE(12)
  const connectionCount = input.readUInt16BE(14)
  if (connectionCount < 1 || connectionCount > MAX_CONNECTIONS) return {status: 'error', reason: `connection count ${connectionCount} is not in 1..${MAX_CONNECTIONS}`}
  if (connectionIndex >= connectionCount) return {status: 'error', reason: `connection index ${connectionIndex} is not below count ${connectionCount}`}
  const tokenLength = input.readUInt8(16)
  if (tokenLength > MAX_TOKEN_BYTES) return {status: 'error', reason: `token length ${tokenLength} exceeds ${MAX_TOKEN_BYTES}`}
  const token = input.toString('utf8', 17, 17 + tokenLength)
  return {
    status: 'ok',
    value: {kind, streamId: input.readUInt32BE(8), connectionIndex, connectionCount, token},
    rest: input.subarray(HELLO_SIZE),
  }
}

export function encodeReply(status: HelloStatus): Buffer {
  const out = Buffer.alloc(REPLY_SIZE)
  REPLY_MAGIC.copy(out, 0)
  out.writeUInt8(MEDIA_PROTOCOL_VERSION, 4)
  out.writeUInt8(HELLO_STATUS[status], 5)
  return out
}

export function decodeReply(input: Buffer): Decoded<HelloStatus> {
  const magicError = checkMagic(input, REPLY_MAGIC)
  if (magicError) return {status: 'error', reason: magicError}
  if (input.length >= 5 && input[4] !== MEDIA_PROTOCOL_VERSION) return {status: 'error', reason: `unsupported protocol version ${input[4]} (this side speaks ${MEDIA_PROTOCOL_VERSION})`}
  if (input.length < REPLY_SIZE) return {status: 'incomplete'}
  const code = input.readUInt8(5)
  const status = (Object.keys(HELLO_STATUS) as HelloStatus[]).find((name) => HELLO_STATUS[name] === code)
  if (!status) return {status: 'error', reason: `unknown reply status ${code}`}
  if (input.readUInt16BE(6) !== 0) return {status: 'error', reason: 'reserved reply bits set'}
  return {status: 'ok', value: status, rest: input.subarray(REPLY_SIZE)}
}

function checkMagic(input: Buffer, magic: Buffer): string | undefined {
  const n = Math.min(input.length, magic.length)
  if (input.subarray(0, n).equals(magic.subarray(0, n))) return undefined
  return `bad magic ${JSON.stringify(input.subarray(0, n).toString('latin1'))} (expected ${JSON.stringify(magic.toString('latin1'))})`
}
