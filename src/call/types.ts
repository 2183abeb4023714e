import type {ErrorCode} from '../foundation/errors.js'
import type {MediaAnswer, MediaOffer} from '../protocol/call/fields.js'
import type {SignalMessage} from '../protocol/call/signalling.js'
import type {KeyShare} from '../security/key-share.js'
import type {IdentityVerdict} from './call-identity.js'
import {DEFAULT_STALL_TIMEOUT_MS} from '../transport/liveness.js'

/**
 * The call manager's states, events and effects (docs/protocol.md, "Call states"). The reducer in
 * state-machine.ts is pure: it never reads a clock (time arrives as `now` and as timer events), never touches a
 * socket or a process, and never draws random numbers (call ids and key pairs arrive inside events).
 */
export interface CallConfig {
  /** The local username: invites must be addressed to it, and it breaks glare ties. */
  user: string
  /** Ringing this long without an answer ends the call as `timeout` (both sides). */
  answerTimeoutMs: number
  /** After a call ends, components get this long to stop before the manager listens again anyway. */
  teardownTimeoutMs: number
  /** A peer silent this long is gone (the connections enforce it; `call.stalled` tells it, for "reconnecting…"). */
  stallTimeoutMs: number
}

export const DEFAULT_CALL_CONFIG = {answerTimeoutMs: 30_000, teardownTimeoutMs: 3000, stallTimeoutMs: DEFAULT_STALL_TIMEOUT_MS} as const

export type Role = 'caller' | 'callee'
/**
 * Whose an unrequested component exit was: 'local' (it crashed or failed), 'peer' (the peer's end of its stream went
 * away), or 'auth' (it and the peer's component did not hold the same key: the set-up was changed on the way).
 */
export type ComponentExitSide = 'local' | 'peer' | 'auth'
export type MediaKind = 'audio' | 'video'
/** Opaque id the driver gives each signalling connection. */
export type ConnId = string

export interface OutgoingCall {
  callId: string
  peer: string
  conn: ConnId
  host: string
  port: number
  /** Our own address as the callee should see it (goes into the invite). */
  address: string
  media: MediaOffer
  /** Our key pair for this call; its public half goes into the invite. */
  keyShare: KeyShare
  /** Our identity key. */
  identityKey: string
  /**
   * Once connected: the connection's channel and our signature over the invite with it (made by the driver, which
   * holds the private key, when the connection is up: the channel exists only then).
   */
  channel?: string
  signature?: string
  /** The callee's identity key, from its directory entry (checked against the pin): the accept must be signed by it. */
  peerKey: string
  /** connecting: TCP not up yet; inviting: invite sent; ringing: the callee is ringing. */
  phase: 'connecting' | 'inviting' | 'ringing'
  since: number
}

export interface IncomingCall {
  callId: string
  peer: string
  conn: ConnId
  /** The caller's address from its invite. */
  peerHost: string
  offer: MediaOffer
  /** The caller's public key share from its invite. */
  keyShare: string
  /** SHA-256 of the invite as it arrived (security/setup-hash.ts): half of the set-up the control key confirms. */
  inviteHash: string
  /** The caller's identity key, which signed the invite. */
  identityKey: string
  /** The channel of the connection the invite came on, which its signature (and so our accept's) covers. */
  channel: string
  /** We had dialled this peer ourselves and yielded to their call (glare): the driver should accept at once. */
  glare: boolean
  since: number
}

export interface ActiveCall {
  callId: string
  peer: string
  role: Role
  conn: ConnId
  peerHost: string
  /** Agreed through the key shares; opens and encrypts every media and control connection of the call. */
  secret: string
  /** The hash of the invite and the accept as this side saw them; the control key is bound to it (security/setup-hash.ts). */
  setupHash: string
  /** The peer's identity key, proven by its signature on the set-up (for the safety number). */
  peerKey: string
  /** The callee's control port (the caller connects to it). */
  controlPort: number
  /** Both sides' media; the callee's is its accept's, with the format chosen for each direction (protocol/call/formats.ts). */
  local: MediaAnswer
  remote: MediaAnswer
  startedAt: number
  /** What each side currently sends (toggled through the control connection). */
  sending: {local: Record<MediaKind, boolean>; peer: Record<MediaKind, boolean>}
  /** The connections on which the peer is silent right now (stalled, not yet gone); none or absent: it is live. */
  stalled?: StalledPath[]
}

/** The connections to the peer whose silence shows as a stall: signalling (the call component's), control (its component's). */
export type StalledPath = 'signalling' | 'control'

export type EndCode =
  | 'hangup'
  | 'remote-hangup'
  | 'cancelled'
  | 'remote-cancelled'
  | 'declined'
  | 'rejected'
  | 'busy'
  | 'timeout'
  | 'glare'
  | 'unreachable'
  | 'peer-gone'
  | 'control-lost'
  | 'peer-failed'
  | 'component-crashed'
  | 'auth-failed'
  | 'shutdown'
  | 'identity-changed'

export interface CallEnd {
  callId: string
  peer: string
  role: Role
  code: EndCode
  reason: string
  /** When media started; absent for calls that never connected. */
  startedAt?: number
  endedAt: number
  durationMs: number
}

interface Base {
  config: CallConfig
  lastEnd?: CallEnd
}

export type CallState =
  | (Base & {kind: 'idle'})
  | (Base & {kind: 'listening'})
  | (Base & {kind: 'calling'; call: OutgoingCall})
  | (Base & {kind: 'incoming'; call: IncomingCall})
  | (Base & {kind: 'in-call'; call: ActiveCall})
  | (Base & {kind: 'ending'; call: ActiveCall; end: CallEnd})

export type StateKind = CallState['kind']
export type TimerName = 'answer' | 'teardown'

export type CallEvent =
  // The local user or the driver
  | {type: 'go-online'}
  | {type: 'shutdown'; reason?: string}
  /** `identityKey` will sign the invite; `peerKey` is the callee's key, which must prove itself and sign the accept. */
  | {type: 'dial'; callId: string; peer: string; host: string; port: number; address: string; conn: ConnId; media: MediaOffer; keyShare: KeyShare; identityKey: string; peerKey: string}
  /** The driver derived `secret` from its own key pair (whose public half is `keyShare`) and the caller's share, and signed the accept. */
  | {type: 'accept'; secret: string; keyShare: string; controlPort: number; media: MediaAnswer; identityKey: string; signature: string}
  | {type: 'reject'; reason?: string}
  | {type: 'hangup'; reason?: string}
  | {type: 'set-media'; kind: MediaKind; on: boolean}
  // Signalling connections
  /** The callee proved its key on the connection of `channel`; `signature` is ours over the invite on it. */
  | {type: 'connected'; conn: ConnId; channel: string; signature: string}
  /** `auth`: someone answered but did not prove the callee's key (AUTH_FAILED), rather than no one. */
  | {type: 'connect-failed'; conn: ConnId; reason: string; auth?: boolean}
  /** `identity`: for an invite, the driver's judgement of its signature and key (call-identity.ts); absent: not verified. */
  | {type: 'signal'; conn: ConnId; message: SignalMessage; identity?: IdentityVerdict}
  | {type: 'signal-closed'; conn: ConnId; reason: string}
  // The call's components (control connection, media streams)
  | {type: 'peer-media'; callId: string; kind: MediaKind; on: boolean}
  | {type: 'control-hangup'; callId: string; reason: string}
  | {type: 'control-lost'; callId: string; reason: string}
  /**
   * A component ended without being asked to. side 'local': it failed (a crash, an error exit); 'peer': it ended
   * because the peer's end of its stream went away (a receiver whose sender closed, a sender whose receiver did).
   */
  | {type: 'component-exited'; callId: string; component: string; reason: string; side?: ComponentExitSide}
  /** The peer fell silent on a connection (`stalled`) or was heard again there, after `silentMs` of silence. */
  | {type: 'signal-liveness'; conn: ConnId; stalled: boolean; silentMs: number}
  | {type: 'control-liveness'; callId: string; stalled: boolean; silentMs: number}
  | {type: 'media-stopped'; callId: string}
  // Timers the driver started on our behalf
  | {type: 'timer'; timer: TimerName; callId: string}

export type EventType = CallEvent['type']

export type BusEventType = 'call.outgoing' | 'call.incoming' | 'call.ringing' | 'call.started' | 'call.media' | 'call.ending' | 'call.ended' | 'call.refused' | 'call.replaced' | 'call.stalled' | 'call.resumed'

export type CallEffect =
  /** Connect, and require the callee to prove `peerKey`. */
  | {type: 'connect'; conn: ConnId; host: string; port: number; peerKey: string}
  | {type: 'send'; conn: ConnId; message: SignalMessage}
  /** Flush what was sent on the connection, then close it. */
  | {type: 'close'; conn: ConnId; reason: string}
  /** Spawn the call's components (video, audio, control) with its id, secret, ports and peer. */
  | {type: 'start-media'; call: ActiveCall}
  | {type: 'stop-media'; callId: string; reason: string}
  /** Stop or resume sending one medium, and tell the peer through the control connection. */
  | {type: 'set-local-media'; callId: string; kind: MediaKind; on: boolean}
  | {type: 'set-presence'; status: 'online' | 'in-call' | 'offline'}
  /** The peer proved its identity key: pin it (first use) in the known peers. */
  | {type: 'pin'; peer: string; publicKey: string}
  | {type: 'start-timer'; timer: TimerName; callId: string; ms: number}
  | {type: 'cancel-timer'; timer: TimerName; callId: string}
  | {type: 'log'; level: 'info' | 'warn'; message: string}
  | {type: 'emit'; event: BusEventType; callId: string; body: Record<string, unknown>}

/**
 * ok: handled (state and/or effects). ignored: stale or irrelevant here, nothing happens (note says why).
 * invalid: a local command that makes no sense now; `error` is what the driver answers the requester with.
 */
export type Outcome = 'ok' | 'ignored' | 'invalid'

export interface Step {
  state: CallState
  effects: CallEffect[]
  outcome: Outcome
  note?: string
  error?: {code: ErrorCode; message: string}
}
