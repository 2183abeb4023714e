import {homedir} from 'node:os'
import {join} from 'node:path'

/**
 * The directory of ivc's own files: `$XDG_CONFIG_HOME/ivc`, else `~/.config/ivc`. The config file sits in it
 * (unless IVC_CONFIG names another), and so does each local user's identity and known peers (`users/<name>/`).
 */
export function ivcConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config')
  return join(base, 'ivc')
}
