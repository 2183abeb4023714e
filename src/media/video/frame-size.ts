import * as Flags from '@oclif/core/flags'

import {IvcError} from '../../foundation/errors.js'
import {FRAME_SIZE_LIMITS} from '../../protocol/call/fields.js'

export interface FrameSize {
  width: number
  height: number
}

const {minWidth, maxWidth, minHeight, maxHeight} = FRAME_SIZE_LIMITS

/** "640x480" as a size within what a call can offer; the same limits for `ivc call`, `listen` and `stream-video`. */
export function parseFrameSize(text: string): FrameSize {
  const match = /^(\d{1,5})x(\d{1,5})$/.exec(text)
  const width = Number(match?.[1])
  const height = Number(match?.[2])
  if (!match || width < minWidth || width > maxWidth || height < minHeight || height > maxHeight) {
    throw new IvcError('BAD_USAGE', `--size "${text}" is not WxH between ${minWidth}x${minHeight} and ${maxWidth}x${maxHeight}, e.g. 640x480`)
  }

  return {width, height}
}

/** The --size flag: its value stays the "WxH" text, checked by parseFrameSize when parsed. */
export const frameSizeFlag = Flags.custom<string>({
  async parse(text) {
    parseFrameSize(text)
    return text
  },
})
