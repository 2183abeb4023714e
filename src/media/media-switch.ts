import type {Bus} from '../bus/bus.js'

/**
 * In a call, the call component turns a medium off and on by publishing `media.set` {kind, on} on the bus topic
 * `media` (with the call id). A stream-video / stream-audio sender of that call follows it through this switch.
 */
export async function followMediaSwitch(bus: Bus | undefined, callId: string | undefined, kind: 'video' | 'audio'): Promise<() => boolean> {
  // Started while the user has this medium off (set by the call component's MediaSession).
  let on = process.env.IVC_MEDIA_START_OFF !== '1'
  if (bus && callId) {
    await bus.subscribe('media', (envelope) => {
      const body = envelope.body as {kind?: string; on?: boolean}
      if (envelope.type === 'media.set' && envelope.callId === callId && body.kind === kind) on = body.on !== false
    })
  }

  return () => on
}
