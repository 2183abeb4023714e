import type {MediaStats} from '../../bus/messages.js'
import {printable} from '../../call/render.js'
import {oneDecimal} from '../../call/stats-table.js'
import type {CallView} from './call-view.js'

/**
 * The call terminal's status line, e.g.
 * `in call with bob 01:23 | video in 29.8 fps 41 ms 3.1 Mb/s, out 30 fps 3.2 Mb/s q80 | audio in 57 ms | you: mic on, cam on | bob: mic OFF, cam on | ? keys`
 * cut to the terminal's width. Pure: the view and the time in, the text out.
 */
export function statusLine(view: CallView, now: number, user: string, columns = 100): string {
  const peer = printable(view.peer ?? 'the peer')
  const elapsed = view.since === undefined ? '' : ` ${clock(now - view.since)}`
  let text: string
  switch (view.phase) {
    case 'idle': {
      text = `${user}: no call | ? keys`
      break
    }

    case 'calling':
    case 'ringing': {
      text = `${view.phase === 'calling' ? 'calling' : 'ringing'} ${peer}…${elapsed} | h hangs up`
      break
    }

    case 'incoming': {
      text = `incoming call from ${peer}${view.from ? ` (${printable(view.from)})` : ''}${elapsed} — accept? y / n`
      break
    }

    case 'connecting': {
      text = `connecting media with ${peer}…${elapsed} | h hangs up`
      break
    }

    case 'in-call': {
      const stalled = view.stalledSince === undefined ? '' : ` | ${peer} not heard from for ${Math.floor((now - view.stalledSince) / 1000)} s: reconnecting…`
      text = [
        `in call with ${peer}${elapsed}${stalled}`,
        media('video', view.stats['video-in'], view.stats['video-out']),
        media('audio', view.stats['audio-in'], view.stats['audio-out']),
        `you: ${sides(view.local)}`,
        `${peer}: ${sides(view.remote)}`,
        '? keys',
      ]
        .filter(Boolean)
        .join(' | ')
      break
    }
  }

  return fit(text, columns)
}

/** The key help, printed above the status line on `?`. */
export const KEY_HELP = [
  'keys: m mute/unmute   v video off/on   c or Enter type a chat line (Enter sends, Esc cancels)',
  '      s statistics    h hang up        y / n answer a ringing call   Ctrl-C hang up (idle: quit)   ? this help',
]

function media(kind: string, incoming: MediaStats | undefined, outgoing: MediaStats | undefined): string {
  const parts = []
  const join = (...pieces: string[]) => pieces.filter(Boolean).join(' ')
  if (incoming) parts.push(join('in', rate(incoming, kind), latency(incoming), bitrate(incoming)))
  if (outgoing) parts.push(join('out', rate(outgoing, kind), bitrate(outgoing), rung(outgoing)))
  return parts.length > 0 ? `${kind} ${parts.join(', ')}` : ''
}

function rate(stats: MediaStats, kind: string): string {
  const recent = stats.recent as {fps?: number} | undefined
  const fps = recent?.fps ?? stats.fps
  return kind === 'video' && typeof fps === 'number' ? `${oneDecimal(fps)} fps` : ''
}

function latency(stats: MediaStats): string {
  const p50 = (stats.latencyMs as {p50?: number} | null | undefined)?.p50
  return typeof p50 === 'number' ? `${Math.round(p50)} ms` : ''
}

function bitrate(stats: MediaStats): string {
  const kbps = (stats.recent as {kbps?: number} | undefined)?.kbps ?? stats.kbps
  if (typeof kbps !== 'number') return ''
  return kbps >= 1000 ? `${oneDecimal(kbps / 1000)} Mb/s` : `${Math.round(kbps)} kb/s`
}

function rung(stats: MediaStats): string {
  const adapt = stats.adapt as {scale?: number; quality?: number} | undefined
  if (!adapt || typeof adapt.quality !== 'number') return ''
  return adapt.scale !== undefined && adapt.scale < 1 ? `×${adapt.scale} q${adapt.quality}` : `q${adapt.quality}`
}

function sides(sending: {audio: boolean; video: boolean}): string {
  return `mic ${sending.audio ? 'on' : 'OFF'}, cam ${sending.video ? 'on' : 'OFF'}`
}

function clock(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000))
  const minutes = Math.floor(seconds / 60)
  return `${String(minutes).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`
}

/** At most `columns - 1` characters (the last column would wrap on some terminals), with an ellipsis if cut. */
function fit(text: string, columns: number): string {
  const chars = [...text]
  const room = Math.max(10, columns - 1)
  return chars.length <= room ? text : chars.slice(0, room - 1).join('') + '…'
}
