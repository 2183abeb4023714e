import type {MediaStats} from '../../bus/messages.js'
import type {TerminalMode} from './keys.js'

/**
 * What the call terminal's status line shows, folded from the call's bus events and both media components' stats
 * (a pure reducer: events in, view out; the terminal draws it). Times are the injected clock's ms.
 */
export interface CallView {
  phase: 'idle' | 'calling' | 'ringing' | 'incoming' | 'connecting' | 'in-call'
  peer?: string
  /** Where an incoming call comes from. */
  from?: string
  /** When the phase began (ringing, in call). */
  since?: number
  /** The peer went quiet (stalled) at this time; undefined while media and control are alive. */
  stalledSince?: number
  local: {audio: boolean; video: boolean}
  remote: {audio: boolean; video: boolean}
  stats: Partial<Record<'video-out' | 'video-in' | 'audio-out' | 'audio-in', MediaStats>>
}

export const IDLE: CallView = {phase: 'idle', local: {audio: true, video: true}, remote: {audio: true, video: true}, stats: {}}

/** The key mode a view calls for. */
export function modeOf(view: CallView): TerminalMode {
  if (view.phase === 'incoming') return 'incoming'
  return view.phase === 'idle' ? 'idle' : 'in-call'
}

export function applyCallEvent(view: CallView, type: string, body: Record<string, unknown>, now: number): CallView {
  const peer = typeof body.peer === 'string' ? body.peer : view.peer
  switch (type) {
    case 'call.outgoing': {
      return {...IDLE, phase: 'calling', peer, since: now}
    }

    case 'call.ringing': {
      return {...view, phase: 'ringing', peer}
    }

    case 'call.incoming': {
      return {...IDLE, phase: 'incoming', peer, from: typeof body.address === 'string' ? body.address : undefined, since: now}
    }

    case 'call.started': {
      return {...view, phase: 'connecting', peer, since: now}
    }

    case 'call.media-up': {
      return {...view, phase: 'in-call', peer, since: view.phase === 'in-call' ? view.since : (view.since ?? now)}
    }

    case 'call.media': {
      const side = body.side === 'local' ? 'local' : 'remote'
      const kind = body.kind === 'video' ? 'video' : 'audio'
      return {...view, [side]: {...view[side], [kind]: Boolean(body.on)}}
    }

    case 'call.stalled': {
      return {...view, stalledSince: view.stalledSince ?? now}
    }

    case 'call.resumed': {
      return {...view, stalledSince: undefined}
    }

    case 'call.ended':
    case 'call.refused': {
      // A refused second caller does not end the call in progress.
      return type === 'call.refused' && view.phase !== 'idle' && view.peer !== peer ? view : IDLE
    }

    default: {
      return view
    }
  }
}

/** A stats event of a media component (`video.stats` / `audio.stats`). */
export function applyStats(view: CallView, kind: 'video' | 'audio', stats: MediaStats): CallView {
  if (view.phase === 'idle' || !stats.role) return view
  return {...view, stats: {...view.stats, [`${kind}-${stats.role === 'sender' ? 'out' : 'in'}`]: stats}}
}
