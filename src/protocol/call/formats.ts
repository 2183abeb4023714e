import type {MediaAnswer, MediaOffer} from './fields.js'

/**
 * The formats of each medium, best first (docs/protocol.md, "Formats"): the one place a new format (h264, vp8) is ranked.
 * Each side's offer lists, per stream, the formats it can send and receive; the callee picks for each direction the
 * first format here that the sending side can send and the receiving side can receive. The last of each list is the
 * fallback every ivc has (mjpeg, pcm-s16le), so two ivcs always share one.
 */
export const FORMAT_PREFERENCE = {
  video: ['h264', 'vp8', 'mjpeg', 'raw'],
  audio: ['opus', 'pcm-s16le'],
} as const

export type StreamKind = keyof typeof FORMAT_PREFERENCE
const KINDS: readonly StreamKind[] = ['video', 'audio']

/** The format a direction uses: the best one the sender offers and the receiver offers; undefined when they share none. */
export function bestFormat(kind: StreamKind, senderFormats: readonly string[], receiverFormats: readonly string[]): string | undefined {
  return (FORMAT_PREFERENCE[kind] as readonly string[]).find((format) => senderFormats.includes(format) && receiverFormats.includes(format))
}

/**
 * The callee's media for its accept: its own offer `local`, each stream with the format chosen for each direction
 * that flows (the caller sends and the callee receives it: `toCallee`; the other way: `toCaller`).
 */
export function answerFormats(invite: MediaOffer, local: MediaOffer): MediaAnswer {
  const answer: MediaAnswer = {}
  for (const kind of KINDS) {
    const ours = local[kind]
    if (!ours) continue
    const theirs = invite[kind]
    const toCallee = theirs?.send && ours.receive ? bestFormat(kind, theirs.formats, ours.formats) : undefined
    const toCaller = theirs?.receive && ours.send ? bestFormat(kind, ours.formats, theirs.formats) : undefined
    answer[kind] = {...ours, ...(toCaller ? {toCaller} : {}), ...(toCallee ? {toCallee} : {})}
  }

  return answer
}

/**
 * The caller's check of an accept's choices against its own offer: what is wrong, or undefined. A chosen format must
 * be one both sides offered, for a direction both sides said they send and receive.
 */
export function answerProblem(local: MediaOffer, answer: MediaAnswer): string | undefined {
  for (const kind of KINDS) {
    const theirs = answer[kind]
    if (!theirs) continue
    const ours = local[kind]
    const directions = [
      {name: 'toCaller', format: theirs.toCaller, flows: theirs.send && ours?.receive},
      {name: 'toCallee', format: theirs.toCallee, flows: ours?.send && theirs.receive},
    ]
    for (const {name, format, flows} of directions) {
      if (format === undefined) continue
      if (!flows) return `the accept chose ${kind} ${name} "${format}" for a direction that does not flow`
      if (!ours!.formats.includes(format)) return `the accept chose ${kind} ${name} "${format}", which this side did not offer`
      if (!theirs.formats.includes(format)) return `the accept chose ${kind} ${name} "${format}", which its own offer does not list`
    }
  }

  return undefined
}

/** One side's formats in a call: what it sends and what it receives of each medium (absent: that direction does not flow). */
export type CallFormats = Partial<Record<StreamKind, {send?: string; receive?: string}>>

/** This side's formats, from the accept (`remote` for a caller, `local` for a callee). */
export function callFormats(role: 'caller' | 'callee', local: MediaAnswer, remote: MediaAnswer): CallFormats {
  const answer = role === 'caller' ? remote : local
  const formats: CallFormats = {}
  for (const kind of KINDS) {
    const stream = answer[kind]
    if (!stream) continue
    const [send, receive] = role === 'caller' ? [stream.toCallee, stream.toCaller] : [stream.toCaller, stream.toCallee]
    formats[kind] = {...(send ? {send} : {}), ...(receive ? {receive} : {})}
  }

  return formats
}
