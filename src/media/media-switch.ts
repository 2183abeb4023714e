import type {Bus} from '../bus/bus.js'

/** Whether a sender sends its medium now; `turn` sets it from this process (a call's start line). */
export interface MediaSwitch {
  (): boolean
  turn(on: boolean): void
}

/**
 * In a call, the call component turns a medium off and on by publishing `media.set` {kind, on} on the bus topic
 * `media` (with the call id). A stream-video / stream-audio sender of that call follows it through this switch.
 */
export async function followMediaSwitch(bus: Bus | undefined, callId: string | undefined, kind: 'video' | 'audio'): Promise<MediaSwitch> {
  let on = true
  if (bus && callId) {
    await bus.subscribe('media', (envelope) => {
      if (envelope.type === 'media.set' && envelope.callId === callId && envelope.body.kind === kind) on = envelope.body.on
    })
  }

  return Object.assign(() => on, {turn: (value: boolean) => (on = value)})
}

/**
 * A video receiver of a call hears when the peer turns video off and on: the call component publishes `call.media`
 * {side: 'peer', kind, on} on the bus topic `call` (the peer's control component told ours).
 */
export async function followPeerMedia(bus: Bus | undefined, callId: string | undefined, kind: 'video' | 'audio', listener: (on: boolean) => void): Promise<void> {
  if (!bus || !callId) return
  await bus.subscribe('call', (envelope) => {
    if (envelope.type === 'call.media' && envelope.callId === callId && envelope.body.side === 'peer' && envelope.body.kind === kind) listener(envelope.body.on)
  })
}
