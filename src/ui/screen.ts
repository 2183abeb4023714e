import type {ScreenView} from './page-types.js'

/**
 * The page's screen, folded from the user's call events on the bus (a pure reducer: events in, view out; the ui
 * process sends each new view to the page, which only draws it). The seed's transitions: Home → Calling → On call or
 * Home; Home → Incoming → On call or Home; On call → Home. A call that ends without the person choosing it (declined,
 * busy, unreachable, dropped) leaves a notice on Home that says so.
 */
export function homeView(user: string, local = {audio: true, video: true}): ScreenView {
  return {user, screen: 'home', local, remote: {audio: true, video: true}, connected: false, stalled: false, secured: false}
}

export function applyCallEvent(view: ScreenView, type: string, body: Record<string, unknown>): ScreenView {
  const peer = typeof body.peer === 'string' ? body.peer : view.peer
  switch (type) {
    case 'call.outgoing':
      return {...homeView(view.user, view.local), screen: 'calling', peer}
    case 'call.incoming':
      // A second caller during a call is refused by the call component; the screen stays as it is. While calling,
      // it is the peer's call that won glare (ours ended `glare`), and goes on as the conversation.
      return view.screen !== 'on-call' ? {...homeView(view.user, view.local), screen: 'incoming', peer} : view
    case 'call.started':
      return {...view, screen: 'on-call', peer, secured: true}
    case 'call.media-up':
      return view.screen === 'on-call' ? {...view, connected: true} : view
    case 'call.media': {
      const side = body.side === 'local' ? 'local' : 'remote'
      const kind = body.kind === 'video' ? 'video' : 'audio'
      return {...view, [side]: {...view[side], [kind]: body.on === true}}
    }

    case 'call.stalled':
      return {...view, stalled: true}
    case 'call.resumed':
      return {...view, stalled: false}
    case 'call.ending':
    case 'call.ended':
      // An active call says `call.ending` first; a second notice for the same end would only repeat it.
      if (view.screen === 'home' || body.code === 'glare') return view
      return {...homeView(view.user, view.local), notice: endNotice(String(body.code ?? ''), peer ?? 'the peer', String(body.reason ?? ''))}
    default:
      return view
  }
}

/** One line for Home after a call: why it ended, in the words a person uses. */
export function endNotice(code: string, peer: string, reason: string): string {
  switch (code) {
    case 'hangup':
      return `Call with ${peer} ended.`
    case 'remote-hangup':
      return `${peer} hung up.`
    case 'cancelled':
      return `You cancelled the call to ${peer}.`
    case 'remote-cancelled':
      return `Missed call from ${peer}.`
    case 'declined':
      return `You declined the call from ${peer}.`
    case 'rejected':
      return `${peer} declined the call.`
    case 'busy':
      return `${peer} is busy in another call.`
    case 'timeout':
      return `${peer} did not answer.`
    case 'unreachable':
      return `Could not reach ${peer}.`
    case 'peer-gone':
    case 'control-lost':
    case 'peer-failed':
      return `Call dropped: the connection to ${peer} was lost.`
    case 'component-crashed':
      return `Call dropped: a part of this side's call failed${reason ? ` (${reason})` : ''}.`
    default:
      return `Call with ${peer} ended${reason ? `: ${reason}` : ''}.`
  }
}
