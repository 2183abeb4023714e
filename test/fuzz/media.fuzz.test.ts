import {describe, it} from 'vitest'

import type {DecodedPrefix} from '../../src/foundation/decoded.js'

import {encodeEcho, decodeEcho, decodeRttReport, encodeFeedback, encodeRttReport} from '../../src/protocol/media-echo.js'
import {decodeFeedback, decodeFeedbackReport, encodeFeedbackReport, encodeKeyframeRequest, FEEDBACK_REPORT_SIZE, KEYFRAME_REQUEST_SIZE} from '../../src/protocol/media-feedback.js'
import {decodeHello, decodeReply, encodeHello, encodeReply, HELLO_SIZE, MAX_CONNECTIONS, REPLY_SIZE} from '../../src/protocol/media-handshake.js'
import {encodeMessage, FLAG_END_OF_STREAM, FLAG_KEY_FRAME, MAX_FEEDBACK_BYTES, MediaMessageDecoder, MESSAGE_HEADER_SIZE} from '../../src/protocol/media-message.js'
import {decodeRaw, MAX_RAW_SIDE, RAW_HEADER_BYTES} from '../../src/plugins/video/raw-codec.js'
import {check, chunks, FUZZ_RUNS, FUZZ_TIMEOUT_MS, fuzzCodec, onlyDocumented} from './mutate.js'

/**
 * The media wire codecs (docs/protocol.md, "Media transport", "Adaptation feedback", the raw video payload): each
 * returns (or, for the raw payload, throws) only its documented outcomes, and never allocates from a length it read.
 */

/** Hello and reply decoders return ok, incomplete (only while shorter than the fixed size) or error with a reason. */
function decodedKind<T>(result: DecodedPrefix<T>, size: number, input: Buffer): 'ok' | 'incomplete' | 'error' | undefined {
  if (result === undefined) return input.length < size ? 'incomplete' : undefined
  if (result.ok) return 'ok'
  return typeof result.reason === 'string' && result.reason.length > 0 ? 'error' : undefined
}

const OUTCOMES = ['ok', 'incomplete', 'error'] as const

describe('fuzz: media handshake', {timeout: FUZZ_TIMEOUT_MS}, () => {
  it(`hello: ${FUZZ_RUNS} mutated hellos decode to ok, incomplete or a reason, fields in range`, () => {
    const seeds = [
      encodeHello({kind: 'video', streamId: 0x1234_5678, connectionIndex: 3, connectionCount: 20, security: 'tls'}),
      encodeHello({kind: 'audio', streamId: 1, connectionIndex: 0, connectionCount: 1, security: 'none'}),
    ]
    fuzzCodec({seeds, lengthFields: [{offset: 12, size: 2}, {offset: 14, size: 2}], lengths: [MAX_CONNECTIONS, MAX_CONNECTIONS + 1]}, HELLO_SIZE, (mutated) => {
      const result = decodeHello(mutated.input)
      onlyDocumented(decodedKind(result, HELLO_SIZE, mutated.input), OUTCOMES, result)
      if (result?.ok) {
        const {connectionIndex, connectionCount} = result.value
        check(connectionCount >= 1 && connectionCount <= MAX_CONNECTIONS && connectionIndex < connectionCount, () => `hello out of range: ${connectionIndex}/${connectionCount}`)
      }
    })
  })

  it(`reply: ${FUZZ_RUNS} mutated replies decode to ok, incomplete or a reason`, () => {
    const seeds = (['ok', 'authFailed', 'busy', 'badRequest'] as const).map((status) => encodeReply(status))
    fuzzCodec({seeds}, REPLY_SIZE, (mutated) => {
      const result = decodeReply(mutated.input)
      onlyDocumented(decodedKind(result, REPLY_SIZE, mutated.input), OUTCOMES, result)
    })
  })
})

describe('fuzz: media messages', {timeout: FUZZ_TIMEOUT_MS}, () => {
  const maxFrameBytes = 64 * 1024
  it(`${FUZZ_RUNS} mutated message streams give bounded messages or one reason, and never allocate from a length`, () => {
    const seeds = [
      encodeMessage({type: 'frame', flags: FLAG_KEY_FRAME, seq: 7, captureUs: 1_000_000, senderDelayUs: 2000, payload: Buffer.from('a frame of media')}),
      encodeMessage({type: 'frame', flags: FLAG_END_OF_STREAM, seq: 8, captureUs: 0, senderDelayUs: 0, payload: Buffer.alloc(0)}),
      encodeEcho({seq: 7, sendUs: 1_002_000, holdUs: 0}),
      encodeRttReport(12_345),
      encodeFeedback(Buffer.from('{"report":1}')),
    ]
    const lengths = [maxFrameBytes, maxFrameBytes + 1, MAX_FEEDBACK_BYTES + 1, 4, 5]
    // Whatever the header says, the decoder holds only bytes that came: never more than the input in one buffer.
    fuzzCodec({seeds, lengthFields: [{offset: 20, size: 4}], lengths}, (mutated) => Math.max(mutated.input.length, MESSAGE_HEADER_SIZE), (mutated) => {
      const decoder = new MediaMessageDecoder(maxFrameBytes)
      let error: string | undefined
      for (const chunk of chunks(mutated)) {
        const step = decoder.push(chunk)
        for (const message of step.messages) {
          const bound = message.type === 'frame' ? maxFrameBytes : message.type === 'feedback' ? MAX_FEEDBACK_BYTES : 4
          check(message.payload.length <= bound && (bound !== 4 || message.payload.length === 4), () => `${message.type} payload of ${message.payload.length} bytes`)
          check(Number.isSafeInteger(message.captureUs), () => `capture time ${message.captureUs}`)
          // What a receiver and a sender do next with echo and rtt must not throw either.
          if (message.type === 'echo') decodeEcho(message)
          if (message.type === 'rtt') decodeRttReport(message)
        }

        if (step.error !== undefined) {
          check(error === undefined || step.error === error, () => 'the decoder changed its error')
          error = step.error
        }
      }

      if (error !== undefined) onlyDocumented(typeof error === 'string' && error.length > 0 ? 'error' : undefined, ['error'], error)
      check(decoder.bufferedBytes <= mutated.input.length + MESSAGE_HEADER_SIZE, () => `${decoder.bufferedBytes} bytes buffered`)
    })
  })
})

describe('fuzz: adaptation feedback', {timeout: FUZZ_TIMEOUT_MS}, () => {
  it(`${FUZZ_RUNS} mutated reports decode only when exactly ${FEEDBACK_REPORT_SIZE} valid bytes, else give a reason`, () => {
    const seeds = [
      encodeFeedbackReport({reportNumber: 9, delayValid: true, intervalUs: 100_000, queuingDelayUs: 3000, maxQueuingDelayUs: 9000, receivedBitsPerSecond: 2_000_000, framesReceived: 3, lateFrames: 0, missingFrames: 1, bufferLevelUs: 40_000, highestSeq: 1234, latencyUs: 45_000}),
      encodeFeedbackReport({reportNumber: 0, delayValid: false, intervalUs: 100_000, queuingDelayUs: 0, maxQueuingDelayUs: 0, receivedBitsPerSecond: 0, framesReceived: 0, lateFrames: 0, missingFrames: 0, bufferLevelUs: 0, highestSeq: 0, latencyUs: undefined}),
    ]
    fuzzCodec({seeds}, FEEDBACK_REPORT_SIZE, (mutated) => {
      const result = decodeFeedbackReport(mutated.input)
      const kind = result.ok ? (mutated.input.length === FEEDBACK_REPORT_SIZE ? 'ok' : undefined) : typeof result.reason === 'string' ? 'error' : undefined
      onlyDocumented(kind, ['ok', 'error'], result)
    })
  })

  it(`${FUZZ_RUNS} mutated feedback payloads (reports and keyframe requests) decode only at their exact size, else give a reason`, () => {
    const seeds = [
      encodeKeyframeRequest({requestNumber: 7, seq: 1234}),
      encodeKeyframeRequest({requestNumber: 0xffff, seq: 0xffffffff}),
      encodeFeedbackReport({reportNumber: 9, delayValid: true, intervalUs: 100_000, queuingDelayUs: 3000, maxQueuingDelayUs: 9000, receivedBitsPerSecond: 2_000_000, framesReceived: 3, lateFrames: 0, missingFrames: 1, bufferLevelUs: 40_000, highestSeq: 1234, latencyUs: 45_000}),
    ]
    fuzzCodec({seeds}, FEEDBACK_REPORT_SIZE, (mutated) => {
      const result = decodeFeedback(mutated.input)
      const size = result.ok ? (result.value.kind === 'report' ? FEEDBACK_REPORT_SIZE : KEYFRAME_REQUEST_SIZE) : undefined
      const kind = result.ok ? (mutated.input.length === size ? 'ok' : undefined) : typeof result.reason === 'string' && result.reason.length > 0 ? 'error' : undefined
      onlyDocumented(kind, ['ok', 'error'], result)
    })
  })
})

describe('fuzz: raw video payload', {timeout: FUZZ_TIMEOUT_MS}, () => {
  it(`${FUZZ_RUNS} mutated raw frames decode to exactly their size or throw the documented error`, () => {
    const raw = (width: number, height: number, channels: number) => {
      const header = Buffer.alloc(RAW_HEADER_BYTES)
      header.writeUInt16BE(width, 0)
      header.writeUInt16BE(height, 2)
      header.writeUInt8(channels, 4)
      return Buffer.concat([header, Buffer.alloc(width * height * channels, 0x5a)])
    }

    const seeds = [raw(4, 2, 3), raw(3, 3, 1)]
    fuzzCodec({seeds, lengthFields: [{offset: 0, size: 2}, {offset: 2, size: 2}, {offset: 4, size: 1}], lengths: [MAX_RAW_SIDE, MAX_RAW_SIDE + 1]}, 0, (mutated) => {
      try {
        const frame = decodeRaw(mutated.input)
        const channels = frame.format === 'bgr' ? 3 : 1
        check(frame.data.length === frame.width * frame.height * channels, () => `raw frame ${frame.width}x${frame.height} with ${frame.data.length} bytes`)
      } catch (error) {
        onlyDocumented(error instanceof Error && error.message.startsWith('raw ') ? 'error' : undefined, ['error'], error)
      }
    })
  })
})
