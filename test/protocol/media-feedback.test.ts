import {describe, expect, it} from 'vitest'

import {encodeFeedback} from '../../src/protocol/media-echo.js'
import {decodeFeedback, decodeFeedbackReport, decodeKeyframeRequest, encodeFeedbackReport, encodeKeyframeRequest, FEEDBACK_REPORT_SIZE, type FeedbackReport, isNewerReport, KEYFRAME_REQUEST_SIZE} from '../../src/protocol/media-feedback.js'
import {encodeMessage, type MediaMessage, MediaMessageDecoder} from '../../src/protocol/media-message.js'

const report: FeedbackReport = {
  reportNumber: 0x0102,
  delayValid: true,
  intervalUs: 100_000,
  queuingDelayUs: 12_345,
  maxQueuingDelayUs: 40_000,
  receivedBitsPerSecond: 2_000_000,
  framesReceived: 3,
  lateFrames: 1,
  missingFrames: 2,
  bufferLevelUs: 33_000,
  highestSeq: 0xdeadbeef,
  latencyUs: 61_000,
}

// prettier-ignore
const golden = Buffer.from([
  0x01, //                   version 1
  0x01, //                   flags: delay valid
  0x01, 0x02, //             report number 258
  0x00, 0x01, 0x86, 0xa0, // interval 100 000 µs
  0x00, 0x00, 0x30, 0x39, // queuing delay 12 345 µs
  0x00, 0x00, 0x9c, 0x40, // max queuing delay 40 000 µs
  0x00, 0x1e, 0x84, 0x80, // received 2 000 000 bit/s
  0x00, 0x03, //             frames received 3
  0x00, 0x01, //             late frames 1
  0x00, 0x02, //             missing frames 2
  0x00, 0x00, //             reserved
  0x00, 0x00, 0x80, 0xe8, // jitter-buffer level 33 000 µs
  0xde, 0xad, 0xbe, 0xef, // highest seq
  0x00, 0x00, 0xee, 0x48, // latency 61 000 µs
])

describe('adaptation feedback report', () => {
  it('encodes to the golden bytes, decodes them field by field, and re-encodes them (mirror)', () => {
    expect(golden.length).toBe(FEEDBACK_REPORT_SIZE)
    expect(encodeFeedbackReport(report)).toEqual(golden)
    const decoded = decodeFeedbackReport(golden)
    expect(decoded).toEqual({ok: true, value: report})
    if (decoded.ok) expect(encodeFeedbackReport(decoded.value)).toEqual(golden)
  })

  it('marks an unknown latency with all ones and an empty interval as delay-invalid', () => {
    const bytes = encodeFeedbackReport({...report, latencyUs: undefined, delayValid: false})
    expect([...bytes.subarray(36)]).toEqual([0xff, 0xff, 0xff, 0xff])
    expect(bytes[1]).toBe(0)
    expect(decodeFeedbackReport(bytes)).toEqual({ok: true, value: {...report, latencyUs: undefined, delayValid: false}})
  })

  it('saturates out-of-range values instead of wrapping them', () => {
    const bytes = encodeFeedbackReport({...report, framesReceived: 70_000, queuingDelayUs: -5, receivedBitsPerSecond: 1e12, latencyUs: 2 ** 40, reportNumber: 0x1_0003})
    const decoded = decodeFeedbackReport(bytes)
    expect(decoded.ok && decoded.value).toMatchObject({framesReceived: 0xffff, queuingDelayUs: 0, receivedBitsPerSecond: 0xffffffff, latencyUs: 0xfffffffe, reportNumber: 3})
  })

  it('refuses every proper prefix with a named reason', () => {
    expect(decodeFeedbackReport(Buffer.alloc(0))).toEqual({ok: false, reason: 'empty feedback report'})
    for (let n = 1; n < golden.length; n++) {
      expect(decodeFeedbackReport(golden.subarray(0, n)), `prefix ${n}`).toEqual({ok: false, reason: `feedback report of ${n} bytes (must be 40)`})
    }
  })

  it('names every other way a report can be wrong', () => {
    const with_ = (offset: number, value: number) => {
      const copy = Buffer.from(golden)
      copy[offset] = value
      return decodeFeedbackReport(copy)
    }

    expect(with_(0, 2)).toEqual({ok: false, reason: 'unsupported feedback version 2'})
    expect(with_(0, 0x7b)).toEqual({ok: false, reason: 'unsupported feedback version 123'}) // JSON's "{"
    expect(with_(1, 0x02)).toEqual({ok: false, reason: 'unknown feedback flags 0x2'})
    expect(with_(27, 1)).toEqual({ok: false, reason: 'reserved feedback bits set'})
    expect(decodeFeedbackReport(Buffer.concat([golden, Buffer.from([0])]))).toEqual({ok: false, reason: 'feedback report of 41 bytes (must be 40)'})
  })

  it('arrives whole inside a transport feedback message however the stream is split', () => {
    const frame: MediaMessage = {type: 'frame', flags: 0, seq: 9, captureUs: 5, senderDelayUs: 0, payload: Buffer.from('x')}
    const stream = Buffer.concat([encodeMessage(frame), encodeFeedback(golden), encodeFeedback(encodeFeedbackReport({...report, reportNumber: 0x0103}))])
    const reportsOf = (chunks: Buffer[]) => {
      const decoder = new MediaMessageDecoder(1024)
      const out: Array<FeedbackReport | string> = []
      for (const chunk of chunks) {
        for (const message of decoder.push(chunk).messages) {
          if (message.type !== 'feedback') continue
          const decoded = decodeFeedbackReport(message.payload)
          out.push(decoded.ok ? decoded.value : decoded.reason)
        }
      }

      return out
    }

    const whole = reportsOf([stream])
    expect(whole).toEqual([report, {...report, reportNumber: 0x0103}])
    for (let cut = 0; cut <= stream.length; cut++) expect(reportsOf([stream.subarray(0, cut), stream.subarray(cut)]), `split at ${cut}`).toEqual(whole)
    expect(reportsOf([...stream].map((byte) => Buffer.from([byte])))).toEqual(whole)
  })

  it('orders report numbers across the 16-bit wrap', () => {
    expect(isNewerReport(1, 0)).toBe(true)
    expect(isNewerReport(0, 0xffff)).toBe(true)
    expect(isNewerReport(0xffff, 0)).toBe(false)
    expect(isNewerReport(5, 5)).toBe(false)
  })
})

// prettier-ignore
const goldenRequest = Buffer.from([
  0x80, //                   kind: keyframe request
  0x01, //                   version 1
  0x01, 0x03, //             request number 259
  0x00, 0x00, 0x04, 0xd2, // seq 1234: the newest frame skipped
])

describe('keyframe request', () => {
  it('encodes to the golden bytes, decodes them field by field, and re-encodes them (mirror)', () => {
    expect(goldenRequest.length).toBe(KEYFRAME_REQUEST_SIZE)
    expect(encodeKeyframeRequest({requestNumber: 0x0103, seq: 1234})).toEqual(goldenRequest)
    const decoded = decodeKeyframeRequest(goldenRequest)
    expect(decoded).toEqual({ok: true, value: {requestNumber: 0x0103, seq: 1234}})
    if (decoded.ok) expect(encodeKeyframeRequest(decoded.value)).toEqual(goldenRequest)
    expect(encodeKeyframeRequest({requestNumber: 0x1_0001, seq: 2 ** 32 + 5})).toEqual(Buffer.from([0x80, 1, 0, 1, 0, 0, 0, 5]))
  })

  it('is told apart from a report by its first byte', () => {
    expect(decodeFeedback(goldenRequest)).toEqual({ok: true, value: {kind: 'keyframe-request', request: {requestNumber: 0x0103, seq: 1234}}})
    expect(decodeFeedback(golden)).toEqual({ok: true, value: {kind: 'report', report}})
    expect(decodeFeedback(Buffer.alloc(0))).toEqual({ok: false, reason: 'empty feedback report'})
    expect(decodeFeedback(Buffer.from([3]))).toEqual({ok: false, reason: 'unsupported feedback version 3'})
  })

  it('leaves the first bytes 0x01–0x7f to report versions: a version 2 report would be a report, and 0x80 up are kinds', () => {
    // A report of a later version than this decoder knows is refused as a report, never taken for a request.
    for (const version of [2, 0x7f]) expect(decodeFeedback(Buffer.from([version, ...golden.subarray(1)]))).toEqual({ok: false, reason: `unsupported feedback version ${version}`})
    expect(decodeFeedback(Buffer.from([0x81, 1, 0, 0, 0, 0, 0, 0]))).toEqual({ok: false, reason: 'unknown feedback kind 0x81'})
    expect(decodeFeedback(Buffer.from([0xff]))).toEqual({ok: false, reason: 'unknown feedback kind 0xff'})
    expect(decodeFeedback(Buffer.from([0, ...golden.subarray(1)]))).toEqual({ok: false, reason: 'unsupported feedback version 0'})
  })

  it('refuses every proper prefix with a named reason', () => {
    for (let n = 0; n < goldenRequest.length; n++) {
      const reason = n === 0 ? 'empty feedback report' : `keyframe request of ${n} bytes (must be 8)`
      expect(decodeFeedback(goldenRequest.subarray(0, n)), `prefix ${n}`).toEqual({ok: false, reason})
    }
  })

  it('names every other way a request can be wrong', () => {
    expect(decodeFeedback(Buffer.from([0x80, 2, 0, 0, 0, 0, 0, 0]))).toEqual({ok: false, reason: 'unsupported keyframe request version 2'})
    expect(decodeFeedback(Buffer.concat([goldenRequest, Buffer.from([0])]))).toEqual({ok: false, reason: 'keyframe request of 9 bytes (must be 8)'})
    expect(decodeKeyframeRequest(golden)).toEqual({ok: false, reason: 'not a keyframe request (kind 0x1)'})
  })

  it('arrives whole inside transport feedback messages, between reports, however the stream is split', () => {
    const stream = Buffer.concat([encodeFeedback(golden), encodeFeedback(goldenRequest), encodeFeedback(encodeKeyframeRequest({requestNumber: 0x0104, seq: 1300}))])
    const feedbackOf = (chunks: Buffer[]) => {
      const decoder = new MediaMessageDecoder(1024)
      const out: unknown[] = []
      for (const chunk of chunks) {
        for (const message of decoder.push(chunk).messages) {
          const decoded = decodeFeedback(message.payload)
          out.push(decoded.ok ? decoded.value : decoded.reason)
        }
      }

      return out
    }

    const whole = feedbackOf([stream])
    expect(whole).toEqual([
      {kind: 'report', report},
      {kind: 'keyframe-request', request: {requestNumber: 0x0103, seq: 1234}},
      {kind: 'keyframe-request', request: {requestNumber: 0x0104, seq: 1300}},
    ])
    for (let cut = 0; cut <= stream.length; cut++) expect(feedbackOf([stream.subarray(0, cut), stream.subarray(cut)]), `split at ${cut}`).toEqual(whole)
    expect(feedbackOf([...stream].map((byte) => Buffer.from([byte])))).toEqual(whole)
  })
})
