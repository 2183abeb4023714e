import {open} from 'node:fs/promises'

import {IvcError} from '../../foundation/errors.js'
import {FRAME_BYTES} from '../../media/audio/format.js'
import type {AudioSink} from '../../media/audio/types.js'
import {WAV_HEADER_BYTES, wavHeader} from '../../media/audio/wav.js'

/**
 * The `file` sink: records what is played to a WAV file (48 kHz mono s16le). Frames are appended in order through
 * one write chain; the header's lengths are filled in on close.
 */
export async function createFileSink(path: string | undefined): Promise<AudioSink> {
  if (!path) throw new IvcError('BAD_USAGE', 'the file sink needs --file PATH', {suggestion: 'Add --file out.wav.'})
  const handle = await open(path, 'w').catch((error: NodeJS.ErrnoException) => {
    throw new IvcError('NO_DEVICE', `cannot write ${path}: ${error.code ?? error.message}`, {suggestion: 'Check the path given to --file.'})
  })
  await handle.write(wavHeader(0), 0, WAV_HEADER_BYTES, 0)
  let dataBytes = 0
  let chain: Promise<unknown> = Promise.resolve()
  let failure: Error | undefined
  return {
    write(pcm: Buffer) {
      const position = WAV_HEADER_BYTES + dataBytes
      dataBytes += pcm.length
      chain = chain.then(() => handle.write(pcm, 0, pcm.length, position)).catch((error: Error) => (failure ??= error))
    },
    async close() {
      await chain
      await handle.write(wavHeader(dataBytes), 0, WAV_HEADER_BYTES, 0).catch((error: Error) => (failure ??= error))
      await handle.close()
      if (failure) throw new IvcError('NO_DEVICE', `writing ${path} failed: ${failure.message}`)
      return {sink: 'file', path, frames: dataBytes / FRAME_BYTES, bytes: dataBytes}
    },
  }
}
