/**
 * The types of the messages between the page and `ivc ui` (docs/protocol.md, "The ui page"), with no import, so the
 * page (web/, bundled for the browser) shares them with the ui process; page-protocol.ts validates what the page sends.
 */
export type PageRequest =
  | {v: 1; type: 'save-name'; name: string}
  | {v: 1; type: 'call'; peer: string}
  | {v: 1; type: 'accept'}
  | {v: 1; type: 'decline'}
  | {v: 1; type: 'hangup'}
  | {v: 1; type: 'media'; kind: 'audio' | 'video'; on: boolean}
  | {v: 1; type: 'chat'; text: string}
  | {v: 1; type: 'stats'}
  /** The page is done with a picture: painted, or skipped; `handedUs` is the hand-over time its binary message carried. */
  | {v: 1; type: 'taken'; stream: 'video' | 'self-view'; handedUs: number; painted: boolean}

export type Screen = 'home' | 'calling' | 'incoming' | 'on-call'

/** Everything the page draws except chat lines, people and stats: the ui process folds bus events into it. */
export interface ScreenView {
  user: string
  screen: Screen
  peer?: string
  /** One line about what just happened (declined, busy, unreachable, dropped), shown on Home until the next call. */
  notice?: string
  /** What this side sends (on Home: what the next call starts with). */
  local: {audio: boolean; video: boolean}
  /** What the peer sends. */
  remote: {audio: boolean; video: boolean}
  /** Media and the control connection are up (`call.media-up`): chat and toggles reach the peer from now on. */
  connected: boolean
  /** The peer went silent and the call waits for it ("reconnecting…"). */
  stalled: boolean
  /** The call's connections are TLS keyed by the call's X25519 key agreement (every ivc call is). */
  secured: boolean
  /** On call: who the peer is by key (their signed set-up), as `ivc control status` shows it. */
  identity?: PeerIdentity
}

export interface PeerIdentity {
  /** `SHA256:…` of the peer's identity key. */
  fingerprint: string
  /** Six groups of five digits, the same on both sides. */
  safetyNumber: string
  /** The safety number was compared and marked so (`ivc trust PEER --verified`). */
  verified: boolean
}

export interface Person {
  name: string
  status: 'online' | 'in-call'
}

/** The live numbers of the call, per stream, as far as the page shows them: figures as people read them. */
export interface StreamNumbers {
  frames?: string
  fps?: string
  kbps?: string
  latencyP95Ms?: string
  rung?: string
  /** video-in: what the page path adds (receiver's hand-over → painted), over the last second. */
  pagePathP50Ms?: string
  pagePathP95Ms?: string
}

export type PageEvent =
  | {v: 1; type: 'view'; view: ScreenView}
  | {v: 1; type: 'people'; people: Person[]}
  | {v: 1; type: 'chat'; direction: 'in' | 'out'; text: string}
  | {v: 1; type: 'stats'; streams: Partial<Record<'video-in' | 'video-out' | 'audio-in' | 'audio-out', StreamNumbers>>}
  | {v: 1; type: 'error'; message: string}

