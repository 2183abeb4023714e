import {type Clock, realClock} from '../foundation/clock.js'
import type {Logger} from '../foundation/logger.js'
import type {MediaAnswer} from '../protocol/call/fields.js'
import type {ComponentExitSide} from './types.js'
import {type ComponentContext, type MediaPlan, MediaSession} from './media-session.js'
import {ERRORS} from '../foundation/errors.js'
import {type ComponentExit, Supervisor} from './supervisor.js'

/**
 * What the call driver needs of one call's components on this side (the order of use is the driver's; production:
 * MediaSession, media-session.ts, which says what each step does to the processes).
 */
export type CallMediaSession = Pick<MediaSession, 'callId' | 'recordingFile' | 'startRecording' | 'stopRecording' | 'offer' | 'startCaller' | 'startCallee' | 'begin' | 'controlReady' | 'mediaFlowing' | 'peerSends' | 'onFirstFrame' | 'stop'> & {
  /** Callee, on accepting: set-up time counts from now; resolves with the ports our receivers and control listen on. */
  accepted(): Promise<{media: MediaAnswer; controlPort: number}>
}

/** Every call's components, and news of one that ended by itself. */
export interface CallMedia {
  session(callId: string): CallMediaSession
  /** `listener` hears of a component that ended without being asked to: its name, why, and whose side it was (componentExitSide). */
  onComponentExit(listener: (component: string, reason: string, side: ComponentExitSide) => void): void
  /** Stop every component of every call. */
  stopAll(): Promise<void>
}

class ComponentSession extends MediaSession implements CallMediaSession {
  async accepted(): Promise<{media: MediaAnswer; controlPort: number}> {
    // MediaSession times set-up on its own monotonic clock, from its creation as the call rang; the person's wait
    // begins now.
    this.setupFrom = this.clock.now()
    return this.listeningOffer()
  }
}

/** Production: each component a child process of this one (`ivc stream-video` ...), under one Supervisor. */
export function componentMedia(options: {logger: Logger; plan: MediaPlan; context: ComponentContext; clock?: Clock}): CallMedia {
  const clock = options.clock ?? realClock
  let onExit: (component: string, reason: string, side: ComponentExitSide) => void = () => undefined
  const supervisor = new Supervisor(options.logger, (exit) => onExit(exit.name, exit.error ?? exit.signal ?? `exit ${exit.code}`, componentExitSide(exit)), undefined, clock)
  return {
    session: (callId) => new ComponentSession(callId, supervisor, options.plan, options.context, options.logger, clock),
    onComponentExit(listener) {
      onExit = listener
    },
    async stopAll() {
      await supervisor.stopAll()
    },
  }
}

/**
 * Whose side an unrequested exit was on. A media component ends by itself, cleanly, when the peer's end of its stream
 * goes away: a receiver whose sender closed every lane exits 0, a sender whose receiver did exits PEER_GONE, and so
 * does the control component, after publishing control.lost. One that exits AUTH_FAILED did not hold the key its peer
 * held: for the control component, the two sides saw different set-ups (security/setup-hash.ts). Anything else (a
 * signal, another status) is a failure of ours.
 */
export function componentExitSide(exit: Pick<ComponentExit, 'code' | 'signal'>): ComponentExitSide {
  if (exit.signal !== null) return 'local'
  if (exit.code === ERRORS.AUTH_FAILED.exit) return 'auth'
  return exit.code === 0 || exit.code === ERRORS.PEER_GONE.exit ? 'peer' : 'local'
}
