import {IvcError} from '../foundation/errors.js'
import {FORMAT_PREFERENCE, type StreamKind} from '../protocol/call/formats.js'
import {probeNodeAv, probeNodeAvH264, probeNodeAvVp8} from '../plugins/native.js'
import type {ProbeResult} from '../plugins/types.js'

/**
 * The formats whose codec needs an optional library, with its probe (which loads it once): a format is offered only
 * where it loads. The rest (mjpeg through OpenCV or sharp, raw, pcm-s16le) every ivc has.
 */
const OPTIONAL_FORMATS: Partial<Record<string, () => ProbeResult>> = {opus: probeNodeAv, h264: probeNodeAvH264, vp8: probeNodeAvVp8}

/**
 * What this side offers of a medium in a call, best first: every format of FORMAT_PREFERENCE this machine can code,
 * or only `only` (`--audio-codec`), which must be codable here.
 */
export function offeredFormats(kind: StreamKind, only?: string): string[] {
  if (only !== undefined) {
    const probe = OPTIONAL_FORMATS[only]?.()
    if (probe && !probe.ok) throw new IvcError('BACKEND_MISSING', `${kind} format ${only}: ${probe.detail}`, {suggestion: probe.hint})
    return [only]
  }

  return (FORMAT_PREFERENCE[kind] as readonly string[]).filter((format) => OPTIONAL_FORMATS[format]?.().ok ?? true)
}

/** `--audio-codec`'s values: the audio codec backends a call can be restricted to. */
export const AUDIO_CODEC_CHOICES = ['opus', 'pcm'] as const

/** `--video-codec`'s values: the video codec backends a call can be restricted to. */
export const VIDEO_CODEC_CHOICES = ['h264', 'vp8', 'jpeg', 'raw'] as const
