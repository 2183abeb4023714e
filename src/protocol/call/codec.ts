import {z} from 'zod'

import type {DecodeStep as FoundationDecodeStep} from '../../foundation/decoded.js'

import {BadBodyError, type FrameError} from './errors.js'
import {encodeFrame, FrameDecoder, type FrameSpec, MAX_BODY_BYTES, type RawFrame} from './frame.js'

/**
 * A message set over the shared frame: each message type has a one-byte code and a strict zod schema for its
 * body, which is compact JSON (docs/protocol.md explains why JSON here). The encoder validates too, and writes the
 * keys in schema order, so the bytes for a message are canonical: decode → encode reproduces them exactly.
 */
export interface MessageDef {
  code: number
  schema: z.AnyZodObject
}

export type MessageDefs = Record<string, MessageDef>

/** The decoded message union of a set of defs: `{type: name, ...body}`. */
export type MessagesOf<D extends MessageDefs> = {[K in keyof D & string]: {type: K} & z.infer<D[K]['schema']>}[keyof D & string]

/** The messages a chunk completed, and the FrameError (with its code) once the input went wrong. */
export type DecodeStep<M> = FoundationDecodeStep<M, FrameError>

export interface MessageDecoder<M> {
  push(chunk: Uint8Array): DecodeStep<M>
  end(): FrameError | undefined
  readonly buffered: number
}

export interface MessageCodec<M extends {type: string}> {
  readonly spec: FrameSpec
  encode(message: M): Buffer
  decoder(): MessageDecoder<M>
  /** Decode bytes that must hold exactly whole frames (tests, fixtures); throws the FrameError. */
  decodeAll(bytes: Uint8Array): M[]
}

const utf8 = new TextDecoder('utf-8', {fatal: true})

export function defineCodec<D extends MessageDefs>(
  options: {protocol: string; magic: string; version: number},
  defs: D,
): MessageCodec<MessagesOf<D>> {
  type M = MessagesOf<D>
  const byCode = new Map<number, [string, MessageDef]>()
  for (const [name, def] of Object.entries(defs)) {
    if (byCode.has(def.code)) throw new Error(`${options.protocol}: type code ${def.code} used twice`)
    byCode.set(def.code, [name, def])
  }

  const spec: FrameSpec = {
    protocol: options.protocol,
    magic: Buffer.from(options.magic, 'latin1'),
    version: options.version,
    types: new Set(byCode.keys()),
    maxBodyBytes: MAX_BODY_BYTES,
  }

  const encode = (message: M): Buffer => {
    const def = defs[message.type]
    if (def === undefined) throw new RangeError(`${options.protocol}: no message type "${message.type}"`)
    const {type: _type, ...body} = message
    // Parsing the outgoing body both validates it (sending a bad message is our bug) and fixes the key order.
    const canonical = def.schema.parse(body)
    return encodeFrame(spec, def.code, Buffer.from(JSON.stringify(canonical), 'utf8'))
  }

  const parseFrame = (frame: RawFrame): M | FrameError => {
    const [name, def] = byCode.get(frame.type)!
    let value: unknown
    try {
      value = JSON.parse(utf8.decode(frame.body))
    } catch (error) {
      return new BadBodyError(options.protocol, name, error instanceof SyntaxError ? 'not JSON' : 'not UTF-8')
    }

    const parsed = def.schema.safeParse(value)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      return new BadBodyError(options.protocol, name, `${issue.path.join('.') || 'body'}: ${issue.message}`)
    }

    return {type: name, ...parsed.data} as M
  }

  const decoder = (): MessageDecoder<M> => {
    const frames = new FrameDecoder(spec)
    let failed: FrameError | undefined
    return {
      get buffered() {
        return frames.buffered
      },
      push(chunk) {
        if (failed) return {messages: [], error: failed}
        const step = frames.push(chunk)
        const messages: M[] = []
        for (const frame of step.messages) {
          const result = parseFrame(frame)
          if (result instanceof Error) {
            failed = result
            return {messages, error: failed}
          }

          messages.push(result)
        }

        if (step.error) failed = step.error
        return failed ? {messages, error: failed} : {messages}
      },
      end() {
        failed ??= frames.end()
        return failed
      },
    }
  }

  return {
    spec,
    encode,
    decoder,
    decodeAll(bytes) {
      const d = decoder()
      const step = d.push(bytes)
      const error = step.error ?? d.end()
      if (error) throw error
      return step.messages
    },
  }
}
