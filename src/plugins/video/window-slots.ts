import {linkSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {z} from 'zod'

import {placeWindow, type WindowRect} from './window-place.js'

/** A window's place on the display, held until `release()` (its sink closed). */
export interface WindowClaim {
  left: number
  top: number
  release(): void
}

const claimSchema = z.object({pid: z.number().int().positive(), left: z.number().int(), top: z.number().int(), width: z.number().int().positive(), height: z.number().int().positive()}).strict()

/** A claim file is a line of JSON; anything longer was not written by ivc. */
const MAX_CLAIM_BYTES = 256

/**
 * Where this user's ivc windows on this display note their places: one directory per display under the user's runtime
 * directory, so the peer's window, the self-view and the windows of another ivc on the same display (a second user in
 * a test, or a demo) never open on top of each other.
 */
export function windowsDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const display = (env.DISPLAY || env.WAYLAND_DISPLAY || 'none').replaceAll(/[^\w.-]/g, '_')
  return join(env.XDG_RUNTIME_DIR || tmpdir(), `ivc-windows-${process.getuid?.() ?? 0}`, display)
}

/**
 * Claim a place for a window of `size`: read the places other ivc windows hold (a claim whose process is gone is
 * removed), choose one clear of them (placeWindow), and take it under the next number. Numbers are taken with link(2),
 * which fails if the name exists, so two windows choosing at once cannot both take the same number: the one that
 * loses reads again and sees the winner's place. If the directory cannot be used, the window still opens, placed as
 * if alone.
 */
export function claimWindow(size: {width: number; height: number}, options: {directory?: string; pid?: number; alive?: (pid: number) => boolean} = {}): WindowClaim {
  const directory = options.directory ?? windowsDirectory()
  const pid = options.pid ?? process.pid
  const alive = options.alive ?? processAlive
  try {
    mkdirSync(directory, {recursive: true, mode: 0o700})
    const draft = join(directory, `draft-${pid}-${drafts++}`)
    try {
      for (let attempt = 0; attempt < 100; attempt++) {
        const {taken, next} = readClaims(directory, alive)
        const place = placeWindow(size, taken)
        writeFileSync(draft, JSON.stringify({pid, ...place, ...size}))
        const name = join(directory, `${next}.json`)
        try {
          linkSync(draft, name)
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue
          throw error
        }

        return {...place, release: () => removeQuietly(name)}
      }
    } finally {
      removeQuietly(draft)
    }
  } catch {
    // A read-only or odd runtime directory: placed as if alone, which is what ivc did before it knew of others.
  }

  return {...placeWindow(size, []), release: () => undefined}
}

let drafts = 0

function readClaims(directory: string, alive: (pid: number) => boolean): {taken: WindowRect[]; next: number} {
  const taken: WindowRect[] = []
  let next = 0
  for (const entry of readdirSync(directory)) {
    const match = /^(\d+)\.json$/.exec(entry)
    if (!match) continue
    next = Math.max(next, Number(match[1]) + 1)
    const path = join(directory, entry)
    const claim = readClaim(path)
    if (!claim || !alive(claim.pid)) {
      removeQuietly(path)
      continue
    }

    taken.push({left: claim.left, top: claim.top, width: claim.width, height: claim.height})
  }

  return {taken, next}
}

function readClaim(path: string): z.infer<typeof claimSchema> | undefined {
  try {
    const text = readFileSync(path, 'utf8')
    if (text.length > MAX_CLAIM_BYTES) return undefined
    const parsed = claimSchema.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // Gone already (another window cleaned up a stale claim), or never written.
  }
}
