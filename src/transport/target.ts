import {IvcError} from '../foundation/errors.js'

/** `HOST[:PORT]` (IPv6 as `[addr]:port`) → host and port, or undefined when malformed. */
export function parseHostPort(target: string, defaultPort: number): {host: string; port: number} | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(target.trim())
  if (!match) return undefined
  const port = match[3] === undefined ? defaultPort : Number(match[3])
  if (port < 1 || port > 65_535) return undefined
  return {host: match[1] ?? match[2], port}
}

/** `--to` (or a start line's destination) as host and port; BAD_USAGE if it is not HOST[:PORT]. */
export function streamTarget(to: string, defaultPort: number): {host: string; port: number} {
  const target = parseHostPort(to, defaultPort)
  if (!target) throw new IvcError('BAD_USAGE', `--to "${to}" is not HOST[:PORT]`)
  return target
}
