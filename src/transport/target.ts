/** `HOST[:PORT]` (IPv6 as `[addr]:port`) → host and port, or undefined when malformed. */
export function parseHostPort(target: string, defaultPort: number): {host: string; port: number} | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(target.trim())
  if (!match) return undefined
  const port = match[3] === undefined ? defaultPort : Number(match[3])
  if (port < 1 || port > 65_535) return undefined
  return {host: match[1] ?? match[2], port}
}
