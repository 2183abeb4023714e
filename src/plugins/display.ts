import {existsSync} from 'node:fs'
import {join} from 'node:path'

/**
 * Whether this process can open a window: the one place ivc decides it (`ivc call`/`ivc listen` then show the peer's
 * video in ffplay by default, and `ivc demo` plays its calls there). A display exists when DISPLAY names an X server
 * whose socket is there (`:N` → /tmp/.X11-unix/XN; a remote `host:N`, as ssh -X sets, is taken on trust) or
 * WAYLAND_DISPLAY names a Wayland socket that is there. A DISPLAY left over from a closed session, with no server
 * behind it, is no display: ffplay would only fail on the first frame.
 */
export const DISPLAY_RULE = 'a display exists when DISPLAY names an X server whose socket is there, or WAYLAND_DISPLAY a Wayland socket'

export function displayExists(env: NodeJS.ProcessEnv = process.env, exists: (path: string) => boolean = existsSync): boolean {
  return x11Usable(env.DISPLAY, exists) || waylandUsable(env.WAYLAND_DISPLAY, env.XDG_RUNTIME_DIR, exists)
}

/** The video sink of a call when none is named: a window with a display, else the null sink (which still checks every frame). */
export function defaultVideoSink(env: NodeJS.ProcessEnv = process.env, exists: (path: string) => boolean = existsSync): 'ffplay' | 'null' {
  return displayExists(env, exists) ? 'ffplay' : 'null'
}

function x11Usable(display: string | undefined, exists: (path: string) => boolean): boolean {
  if (!display) return false
  const match = /^(.*):(\d+)(?:\.\d+)?$/.exec(display)
  if (!match) return false
  const [, host, number] = match
  // A local display (`:0`, `unix:0`) is a socket; a TCP one (ssh -X's `localhost:10.0`) cannot be checked without connecting.
  if (host === '' || host === 'unix') return exists(`/tmp/.X11-unix/X${number}`)
  return true
}

function waylandUsable(name: string | undefined, runtimeDir: string | undefined, exists: (path: string) => boolean): boolean {
  if (!name) return false
  if (name.startsWith('/')) return exists(name)
  return runtimeDir !== undefined && exists(join(runtimeDir, name))
}
