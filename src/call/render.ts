import type {CallSummary} from './driver.js'

/** One human line per call event (stderr), e.g. "bob turned video off" — the seed's "VIDEO OFF". */
export function describeCallEvent(event: string, body: Record<string, unknown>): string | undefined {
  const peer = String(body.peer ?? 'the peer')
  switch (event) {
    case 'call.incoming':
      return `incoming call from ${peer}`
    case 'call.outgoing':
      return `calling ${peer}…`
    case 'call.ringing':
      return `ringing ${peer}…`
    case 'call.started':
      return `connected with ${peer}`
    case 'call.media-up':
      return `media flowing with ${peer}${describeFormats(body.formats)}`
    case 'call.media': {
      const who = body.side === 'local' ? 'you' : peer
      return `${who} turned ${String(body.kind)} ${body.on ? 'on' : 'off'} (${String(body.kind).toUpperCase()} ${body.on ? 'ON' : 'OFF'})`
    }

    case 'call.chat':
      return `${body.direction === 'out' ? 'you' : peer}: ${printable(String(body.text))}`
    case 'call.recording':
      if (body.by === peer) return `${peer} ${body.on ? 'is recording this call' : 'stopped recording this call'}`
      return body.on ? `recording this call to ${String(body.file)}; ${peer} is told` : 'stopped recording this call'
    case 'call.stalled':
      return `${peer} is not answering: reconnecting… (the call ends after ${seconds(body.timeoutMs)} of silence)`
    case 'call.resumed':
      return `${peer} is back after ${seconds(body.silentMs)} of silence`
    case 'call.replaced':
      return 'you both called at once: taking their call instead (glare)'
    case 'call.refused':
      return `refused a call from ${peer}: ${String(body.reason)}`
    case 'call.ended':
      return `call with ${peer} ended: ${String(body.reason ?? body.code)}`
    default:
      return undefined
  }
}

/** The call's formats for a person: " (audio opus, video mjpeg)", or "audio opus out / pcm-s16le in" when the ways differ. */
function describeFormats(formats: unknown): string {
  if (!formats || typeof formats !== 'object') return ''
  const parts = Object.entries(formats as Record<string, {send?: string; receive?: string}>).map(([kind, {send, receive}]) => {
    if (send === receive) return `${kind} ${send ?? 'none'}`
    return `${kind} ${send ?? 'none'} out / ${receive ?? 'none'} in`
  })
  return parts.length > 0 ? ` (${parts.join(', ')})` : ''
}

/** Milliseconds as seconds for a person: "5.2 s". */
function seconds(ms: unknown): string {
  return `${(Number(ms) / 1000).toFixed(1)} s`
}

/**
 * The peer's text as safe to print on a terminal: control characters (escape sequences could rewrite the screen or
 * the title) become U+FFFD. JSON output needs none of this: the serialiser escapes them.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD')
}

export function describeSummary(summary: CallSummary): string {
  const media = (['video', 'audio'] as const)
    .map((kind) => {
      const stats = summary[kind]
      if (!stats) return `${kind}: -`
      const codec = typeof stats.codec === 'string' ? ` (${stats.codec})` : ''
      return `${kind}${codec}: ${stats.frames ?? 0} frames${stats.fps ? ` (${stats.fps} fps)` : ''}, p95 ${stats.latencyMs?.p95 ?? '-'} ms`
    })
    .join('; ')
  const recording = summary.recording ? `; recorded by ${summary.recording.by}${summary.recording.file ? ` to ${summary.recording.file}` : ''}` : ''
  return `call ${summary.callId} with ${summary.peer}: ${summary.durationS} s, ended (${summary.endCode}): ${summary.endReason}; ${media}${recording}\n`
}
