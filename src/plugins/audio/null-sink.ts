import {FRAME_BYTES} from '../../media/audio/format.js'
import {ContinuityChecker} from '../../media/audio/tone.js'
import type {AudioSink} from '../../media/audio/types.js'

/**
 * The `null` sink: plays nothing, counts frames and reads the tone's watermark from each, so a test (or a person)
 * can see that what reached the sink was the sender's frames, in order, none repeated.
 */
export function createNullSink(): AudioSink {
  const continuity = new ContinuityChecker()
  let frames = 0
  let badLength = 0
  return {
    write(pcm: Buffer) {
      frames++
      if (pcm.length !== FRAME_BYTES) badLength++
      continuity.check(pcm)
    },
    async close() {
      return {sink: 'null', frames, badLength, continuity: continuity.report}
    },
  }
}
