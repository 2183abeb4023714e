import {describe, expect, it} from 'vitest'

import {VideoDecodeStage} from '../../../src/media/video/decode-stage.js'
import {receiveVideo} from '../../../src/media/video/stream.js'
import {RawCodec} from '../../../src/plugins/video/raw-codec.js'
import {NullSink} from '../../../src/plugins/video/null-sink.js'
import {recordingLogger} from '../../support/logger.js'

describe('receiveVideo', () => {
  // Seen under load: `stream-video --listen --duration 1` whose duration passed while it was still loading listened
  // forever, since the stop had come before the receiver listened for it.
  it('ends at once when the stop came before it started listening', async () => {
    const controller = new AbortController()
    controller.abort('duration')
    const sink = new NullSink()
    const closers: Array<() => unknown> = []
    const decoder = new VideoDecodeStage({format: 'raw', sink, codecs: {create: async () => new RawCodec()}})
    const hooks = {logger: recordingLogger(), signal: controller.signal, onShutdown: (_name: string, close: () => unknown) => void closers.push(close)}
    const result = await receiveVideo({port: 0, host: '127.0.0.1', decoder, sink}, hooks)
    expect(result.end).toBe('stopped')
    for (const close of closers) await close()
  })
})
