import {FRAME_BYTES} from './format.js'
import type {AudioCodec} from './types.js'

/** The ivc format as it is (48 kHz mono s16le, 768 kbit/s): every payload is exactly one 20 ms frame. */
export const pcmCodec: AudioCodec = {
  name: 'pcm',
  fits: (bytes) => bytes === FRAME_BYTES,
  encode: (pcm) => pcm,
  decode(payload) {
    if (payload.length !== FRAME_BYTES) throw new Error(`a PCM frame of ${payload.length} bytes, not ${FRAME_BYTES}`)
    return payload
  },
}
