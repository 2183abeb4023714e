import {claimWindow, type WindowClaim} from './window-slots.js'

/** What the peer's window and the self-view are called, and how big they open. */
export interface WindowOptions {
  /** The window's title: "ivc - bob" for the peer's video. */
  title: string
  /** The window's size as a share of the first frame's: 1 for the peer, smaller for the self-view. */
  scale?: number
}

/** The size a window opens at when the first frame's cannot be read (a JPEG without a frame header). */
const FALLBACK_SIZE = {width: 640, height: 480}

/**
 * One ffplay window's title, size and place: the place is claimed on this display (window-slots.ts) when ffplay
 * starts, so it opens clear of ivc's other windows, and given back when ffplay exits.
 */
export class FfplayWindow {
  #claim: WindowClaim | undefined

  constructor(private readonly options: WindowOptions) {}

  /** ffplay's window options for a stream whose first frame has `frameSize` (undefined: unknown). */
  args(frameSize: {width: number; height: number} | undefined): string[] {
    const size = windowSize(frameSize ?? FALLBACK_SIZE, this.options.scale ?? 1)
    this.#claim?.release()
    this.#claim = claimWindow(size)
    return ['-window_title', this.options.title, '-left', String(this.#claim.left), '-top', String(this.#claim.top), '-x', String(size.width), '-y', String(size.height)]
  }

  release(): void {
    this.#claim?.release()
    this.#claim = undefined
  }
}

/** A frame's size scaled for its window, at least 64x48 and even (as scalers like it). */
export function windowSize(frame: {width: number; height: number}, scale: number): {width: number; height: number} {
  const even = (value: number, least: number) => Math.max(least, 2 * Math.round((value * scale) / 2))
  return {width: even(frame.width, 64), height: even(frame.height, 48)}
}
