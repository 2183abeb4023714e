import {spawn} from 'node:child_process'
import {accessSync, constants} from 'node:fs'
import {delimiter, join} from 'node:path'

/** xdg-open on the PATH, when there is a display to open a browser on; undefined otherwise. */
export function browserOpener(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return undefined
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const path = join(dir, 'xdg-open')
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {
      // not in this directory
    }
  }

  return undefined
}

/** Open `url` in the person's browser; whether it worked is the browser's business (the URL is printed anyway). */
export function openInBrowser(opener: string, url: string): void {
  const child = spawn(opener, [url], {stdio: 'ignore', detached: true})
  child.on('error', () => {})
  child.unref()
}
