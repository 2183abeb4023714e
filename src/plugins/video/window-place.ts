/** A window's rectangle on the screen, in pixels: its top-left corner and size. */
export interface WindowRect {
  left: number
  top: number
  width: number
  height: number
}

/**
 * The room a window leaves around it: a window manager draws a title bar above the position ffplay asks for and a
 * border around it, so windows placed edge to edge would still overlap by that much.
 */
export const WINDOW_GAP = {x: 8, y: 40}

/**
 * Where ivc lays windows out when it cannot ask the screen: the common 1920x1080; a window never starts beyond its
 * right edge unless it is at the left edge anyway.
 */
export const SCREEN = {width: 1920, height: 1080}

/**
 * Where a new window of `size` opens so that it covers none of the windows `taken` (ivc's other windows on this
 * display, window-slots.ts): the topmost, then leftmost, corner that is either the screen's or just right of / just
 * below a taken window, where the window fits on the screen and overlaps nothing. When none does (a screen full of
 * windows), it cascades from the top left, one step per window, so no two open exactly on top of each other.
 */
export function placeWindow(size: {width: number; height: number}, taken: readonly WindowRect[], screen = SCREEN, gap = WINDOW_GAP): {left: number; top: number} {
  const lefts = unique([0, ...taken.map((rect) => rect.left + rect.width + gap.x)])
  const tops = unique([0, ...taken.map((rect) => rect.top + rect.height + gap.y)])
  for (const top of tops) {
    if (top > 0 && top + size.height > screen.height) continue
    for (const left of lefts) {
      if (left > 0 && left + size.width > screen.width) continue
      const rect = {left, top, ...size}
      if (!taken.some((other) => overlaps(rect, other, gap))) return {left, top}
    }
  }

  const step = 32 * (taken.length % 16)
  return {left: step, top: step}
}

/** Whether two rectangles, each with its gap, share any pixel. */
export function overlaps(a: WindowRect, b: WindowRect, gap = {x: 0, y: 0}): boolean {
  return a.left < b.left + b.width + gap.x && b.left < a.left + a.width + gap.x && a.top < b.top + b.height + gap.y && b.top < a.top + a.height + gap.y
}

function unique(values: number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b)
}
