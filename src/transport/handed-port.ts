import {createServer, type ListenOptions, type Server} from 'node:net'

/**
 * A listening port handed from a call's process to the component that serves it (issue 12; docs/bus.md, "Components
 * of a call"). The call names its receivers' and control's ports in its invite or accept before those processes have
 * started, so it opens each port itself and passes the listening socket to the component as file descriptor 3. Picking
 * a free port, closing it and letting the component bind it later was a race: Linux gives a port closed a moment ago
 * to the next process that asks for one (two processes asking 3,000 times each were given the same port within a
 * second 1,230 times), so two calls set up at once on one host could each name the same port, and one's sender then
 * reached the other's receiver. A handed socket is never free in between, and a peer that connects before the
 * component is ready waits in the socket's backlog instead of being refused.
 */
export const HANDED_PORT_ENV = 'IVC_LISTEN_FD'

/** The descriptor the component finds the socket on: the first after stdin, stdout and stderr. */
export const HANDED_PORT_FD = 3

export interface ReservedPort {
  port: number
  /** The listening socket's descriptor in this process, to pass to the component (Supervisor `listenFd`). */
  fd: number
  /** Close this process's copy: once the component has its own, the port stays open in it alone. */
  release(): Promise<void>
}

/**
 * Open a listening socket on `host` (any free port) to hand to a component. Until it is released, a connection this
 * process accepts on it is closed at once: no peer knows the port before the component has it (it is named in the
 * invite or accept, sent after the component started), so such a connection is a stray one.
 */
export async function reservePort(host: string): Promise<ReservedPort> {
  const server: Server = createServer((socket) => socket.destroy())
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve))
  const address = server.address()
  // A TCP server's handle has its descriptor on every platform ivc runs on (Linux, macOS); not part of Node's
  // documented API, so checked.
  const fd = (server as unknown as {_handle?: {fd?: unknown}})._handle?.fd
  if (typeof address !== 'object' || !address || typeof fd !== 'number' || fd < 0) {
    server.close()
    throw new Error('cannot hand a listening socket to a component on this platform (no descriptor)')
  }

  let released: Promise<void> | undefined
  return {
    port: address.port,
    fd,
    release: () => (released ??= new Promise<void>((resolve) => server.close(() => resolve()))),
  }
}

/**
 * Where a component's one listening socket comes from: the socket its call handed it (HANDED_PORT_ENV names the
 * descriptor), else `port` on `host` as the flags say. The handed socket is taken once: the variable is removed, so
 * a second listener, or a process this one starts, does not see it.
 */
export function listenTarget(port: number, host: string | undefined, env: NodeJS.ProcessEnv = process.env): ListenOptions | {fd: number} {
  const handed = env[HANDED_PORT_ENV]
  if (handed === undefined) return {port, host}
  delete env[HANDED_PORT_ENV]
  if (handed !== String(HANDED_PORT_FD)) throw new Error(`${HANDED_PORT_ENV} must be ${HANDED_PORT_FD}, not ${JSON.stringify(handed)}`)
  return {fd: HANDED_PORT_FD}
}
