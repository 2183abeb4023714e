import {BSON, type Document} from 'bson'

/**
 * MongoDB wire-protocol framing for the test server: the 16-byte header, OP_MSG (2013, every command after the
 * handshake) and OP_QUERY (2004, the driver's first `hello` on a new connection) in; OP_MSG and OP_REPLY (1) out.
 * Lengths are checked before anything is sliced, as in ivc's own codecs.
 */
export const OP_REPLY = 1
export const OP_QUERY = 2004
export const OP_MSG = 2013
export const MAX_MESSAGE_BYTES = 48_000_000
const CHECKSUM_PRESENT = 1
const MORE_TO_COME = 2

export interface Request {
  requestId: number
  opCode: number
  /** The command document, with OP_MSG document sequences (kind 1) merged in under their identifiers. */
  command: Document
  /** OP_MSG moreToCome: the client wants no reply (unacknowledged write). */
  noReply: boolean
}

/** Split complete messages off the front of `buffer`; returns them and the unconsumed rest. */
export function readMessages(buffer: Buffer): {messages: Request[]; rest: Buffer} {
  const messages: Request[] = []
  let offset = 0
  while (buffer.length - offset >= 4) {
    const length = buffer.readInt32LE(offset)
    if (length < 16 || length > MAX_MESSAGE_BYTES) throw new Error(`bad message length ${length}`)
    if (buffer.length - offset < length) break
    messages.push(parseMessage(buffer.subarray(offset, offset + length)))
    offset += length
  }

  return {messages, rest: buffer.subarray(offset)}
}

function parseMessage(message: Buffer): Request {
  const requestId = message.readInt32LE(4)
  const opCode = message.readInt32LE(12)
  if (opCode === OP_MSG) return {requestId, opCode, ...parseOpMsg(message)}
  if (opCode === OP_QUERY) return {requestId, opCode, command: parseOpQuery(message), noReply: false}
  throw new Error(`unsupported opCode ${opCode}`)
}

function parseOpMsg(message: Buffer): {command: Document; noReply: boolean} {
  const flags = message.readUInt32LE(16)
  const end = message.length - (flags & CHECKSUM_PRESENT ? 4 : 0)
  let offset = 20
  let command: Document | undefined
  const sequences: Record<string, Document[]> = {}
  while (offset < end) {
    const kind = message[offset++]
    if (kind === 0) {
      const size = documentSize(message, offset, end)
      command = BSON.deserialize(message.subarray(offset, offset + size))
      offset += size
    } else if (kind === 1) {
      const size = message.readInt32LE(offset)
      if (size < 5 || offset + size > end) throw new Error(`bad document sequence size ${size}`)
      const sectionEnd = offset + size
      const nameEnd = message.indexOf(0, offset + 4)
      if (nameEnd === -1 || nameEnd >= sectionEnd) throw new Error('unterminated document sequence identifier')
      const identifier = message.toString('utf8', offset + 4, nameEnd)
      const documents: Document[] = []
      for (let at = nameEnd + 1; at < sectionEnd;) {
        const docSize = documentSize(message, at, sectionEnd)
        documents.push(BSON.deserialize(message.subarray(at, at + docSize)))
        at += docSize
      }

      sequences[identifier] = documents
      offset = sectionEnd
    } else {
      throw new Error(`unknown OP_MSG section kind ${kind}`)
    }
  }

  if (!command) throw new Error('OP_MSG without a body section')
  return {command: {...command, ...sequences}, noReply: (flags & MORE_TO_COME) !== 0}
}

function parseOpQuery(message: Buffer): Document {
  const nameEnd = message.indexOf(0, 20)
  if (nameEnd === -1) throw new Error('unterminated OP_QUERY collection name')
  const offset = nameEnd + 1 + 8 // numberToSkip, numberToReturn
  const size = documentSize(message, offset, message.length)
  const query = BSON.deserialize(message.subarray(offset, offset + size))
  // Legacy drivers wrap the command as {$query: {...}, $readPreference: ...}.
  return (query.$query as Document | undefined) ?? query
}

function documentSize(buffer: Buffer, offset: number, end: number): number {
  if (end - offset < 5) throw new Error('truncated BSON document')
  const size = buffer.readInt32LE(offset)
  if (size < 5 || offset + size > end) throw new Error(`bad BSON document size ${size}`)
  return size
}

let nextRequestId = 1

/** The reply to `request`, in the op it expects: OP_REPLY for OP_QUERY, OP_MSG otherwise. */
export function encodeReply(request: Request, reply: Document): Buffer {
  const body = Buffer.from(BSON.serialize(reply))
  const header = Buffer.alloc(16)
  let prefix: Buffer
  if (request.opCode === OP_QUERY) {
    prefix = Buffer.alloc(20) // responseFlags, cursorID (8), startingFrom, numberReturned
    prefix.writeInt32LE(1, 16)
    header.writeInt32LE(OP_REPLY, 12)
  } else {
    prefix = Buffer.from([0, 0, 0, 0, 0]) // flagBits, section kind 0
    header.writeInt32LE(OP_MSG, 12)
  }

  header.writeInt32LE(16 + prefix.length + body.length, 0)
  header.writeInt32LE(nextRequestId++, 4)
  header.writeInt32LE(request.requestId, 8)
  return Buffer.concat([header, prefix, body])
}
