import {describe, it} from 'vitest'

import type {MessageCodec} from '../../src/protocol/call/codec.js'
import {controlCodec} from '../../src/protocol/call/control.js'
import {FrameError, type FrameErrorCode} from '../../src/protocol/call/errors.js'
import {HEADER_BYTES, MAX_BODY_BYTES} from '../../src/protocol/call/frame.js'
import {decodeSignalHello, encodeSignalHello, HELLO_BYTES} from '../../src/protocol/call/hello.js'
import {signalCodec} from '../../src/protocol/call/signalling.js'
import {controlFixtures, signalFixtures} from '../protocol/call/fixtures.js'
import {check, chunks, FUZZ_RUNS, FUZZ_TIMEOUT_MS, fuzzCodec, onlyDocumented} from './mutate.js'

/**
 * Call signalling and call control (docs/protocol.md, "Frame"): the streaming decoder returns messages and at most
 * one FrameError of a documented code (it never throws), holds at most one header and one bounded body, allocates
 * nothing bigger, and `decodeAll` throws only a FrameError.
 */
const DOCUMENTED: readonly FrameErrorCode[] = ['BAD_MAGIC', 'BAD_VERSION', 'UNKNOWN_TYPE', 'OVERSIZE', 'BAD_BODY', 'TRUNCATED']
const BOUND = HEADER_BYTES + MAX_BODY_BYTES

/** The documented kind of a decoder error, or undefined for anything else. */
function kindOf(error: unknown, protocol: string): FrameErrorCode | undefined {
  return error instanceof FrameError && error.message.startsWith(`${protocol}: `) ? error.code : undefined
}

function fuzz(name: string, codec: MessageCodec<{type: string}>, seeds: Buffer[]) {
  it(`${name}: ${FUZZ_RUNS} mutated frames decode to messages or a documented error, within the bound`, () => {
    const golden = {seeds, lengthFields: [{offset: 6, size: 2 as const}], lengths: [MAX_BODY_BYTES, MAX_BODY_BYTES + 1]}
    fuzzCodec(golden, BOUND, (mutated) => {
      if (mutated.cuts.length === 0) {
        // Uncut input: the whole-buffer entry point, which throws what the streaming one returns.
        try {
          codec.decodeAll(mutated.input)
        } catch (thrown) {
          onlyDocumented(kindOf(thrown, codec.spec.protocol), DOCUMENTED, thrown)
        }
      } else {
        const decoder = codec.decoder()
        let error
        for (const chunk of chunks(mutated)) {
          const step = decoder.push(chunk)
          check(decoder.buffered <= BOUND, () => `${decoder.buffered} bytes buffered`)
          if (step.error) error = step.error
        }

        error ??= decoder.end()
        if (error) onlyDocumented(kindOf(error, codec.spec.protocol), DOCUMENTED, error)
      }
    })
  })
}

describe('fuzz: call frames', {timeout: FUZZ_TIMEOUT_MS}, () => {
  fuzz('signalling', signalCodec as MessageCodec<{type: string}>, signalFixtures.map((fixture) => fixture.bytes))
  fuzz('control', controlCodec as MessageCodec<{type: string}>, controlFixtures.map((fixture) => fixture.bytes))
})

describe('fuzz: signalling hello', {timeout: FUZZ_TIMEOUT_MS}, () => {
  it(`${FUZZ_RUNS} mutated hellos decode to ok, incomplete (only while short) or a reason; a key is always 32 bytes`, () => {
    const seeds = [encodeSignalHello({role: 'caller', key: Buffer.alloc(32, 0x8c)}), encodeSignalHello({role: 'callee', key: Buffer.alloc(32, 0x01)})]
    fuzzCodec({seeds}, HELLO_BYTES, (mutated) => {
      const result = decodeSignalHello(mutated.input)
      const kind = result === undefined ? (mutated.input.length < HELLO_BYTES ? 'incomplete' : undefined) : result.ok ? 'ok' : result.reason.length > 0 ? 'error' : undefined
      onlyDocumented(kind, ['ok', 'incomplete', 'error'] as const, result)
      if (result?.ok) check(result.value.key.length === 32 && (result.value.role === 'caller' || result.value.role === 'callee'), () => `hello ${result.value.role} with a ${result.value.key.length}-byte key`)
    })
  })
})
