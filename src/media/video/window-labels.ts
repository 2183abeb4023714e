/**
 * What a person reads on ivc's video windows: the titles that say whose video a window shows, and the text of the
 * still shown while video is off. One place, so the peer's window, the self-view and the docs say the same.
 *
 * Titles are ASCII ("ivc - bob", not an em dash): ffplay's SDL sets an X window's title without a UTF-8 locale, so
 * any other character reaches the window manager garbled (seen with SDL 2.26 under Xvfb).
 */
export function peerWindowTitle(peer: string | undefined): string {
  return peer ? `ivc - ${peer}` : 'ivc - video'
}

export function selfViewTitle(user: string | undefined): string {
  return user ? `ivc - ${user} (you)` : 'ivc - you'
}

/** On the peer's window while the peer has video off. */
export function peerVideoOffLabel(peer: string | undefined): string {
  return `${peer ?? 'the sender'} turned video off`
}

/** On the self-view while this side has video off. */
export const SELF_VIDEO_OFF_LABEL = 'your video is off'

/** The self-view opens at this share of the frames' size, beside the peer's window. */
export const SELF_VIEW_SCALE = 0.5
