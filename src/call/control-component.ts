import type {Bus} from '../bus/bus.js'
import type {TopicBody, TopicType} from '../bus/messages.js'
import {IvcError} from '../foundation/errors.js'
import type {Logger} from '../foundation/logger.js'
import {controlCodec, type ControlMessage} from '../protocol/call/control.js'
import {type ControlConnection, listenFramed} from './connections.js'
import {admitControl, presentControlAuth} from './control-auth.js'
import {retryWhileRefused} from '../transport/open-connection.js'
import {DEFAULT_STALL_TIMEOUT_MS, STALLED_AFTER_MS} from '../transport/liveness.js'
import {FramedConnection} from '../transport/framed-connection.js'
import {whenAborted} from '../foundation/abort.js'

/**
 * The call's control component (`ivc control run`, started by the call component): one authenticated TCP connection
 * to the peer's control component for the length of the call. It relays local commands from the bus to the peer
 * (`control.send`) and the peer's toggles, hang-up and loss to the bus (topic `control`). The callee listens, the
 * caller connects; either way the connection is TLS keyed by the call's control key (a peer without it cannot
 * complete the handshake), and admitted only for this call and peer.
 */
/**
 * Control keepalives: twice a second; stalled after 2 s of silence (`control.stalled`), gone after twice the stall
 * timeout. The call component's signalling connection has the stall timeout itself, so for a silent peer it ends
 * the call first, with its reason (the peer's silence), even on a host so loaded that its timers run seconds late;
 * this one gives up by itself only when the peer's control component alone is silent.
 */
export function controlKeepalive(stallTimeoutMs = DEFAULT_STALL_TIMEOUT_MS) {
  return {intervalMs: 500, stalledAfterMs: STALLED_AFTER_MS, timeoutMs: 2 * stallTimeoutMs}
}

export interface ControlComponentOptions {
  bus: Bus
  logger: Logger
  callId: string
  /** The control key; a promise for a callee started before the call was agreed (it listens at once). */
  secret: string | Promise<string>
  user: string
  peer: string
  /** Callee: listen on this port (0 = any) and report it. Caller: connect to host:port. */
  listenPort?: number
  /** Callee: the address to listen on (0.0.0.0: every interface). */
  listenHost?: string
  connect?: {host: string; port: number}
  /** A silent peer is given up after this long (the connection closes: `control.lost`); default 15 s. */
  stallTimeoutMs?: number
  /** The caller's: the callee's control may still be starting (both start as the call rings); refused is retried this long. */
  waitForListenerMs?: number
  /** Machine-readable progress for the supervisor: {"event":"listening","port"} and {"event":"ready"}. */
  report: (event: Record<string, unknown>) => void
  signal: AbortSignal
}

export async function runControlComponent(options: ControlComponentOptions): Promise<void> {
  const {bus, logger, callId} = options
  const connection = await establish(options)
  const publish = <K extends TopicType<'control'>>(type: K, body: TopicBody<'control', K>) => bus.publish('control', type, body, {callId}).catch(() => 0)
  connection.onMessage((message) => {
    switch (message.type) {
      case 'audio':
      case 'video':
        void publish('control.peer-media', {kind: message.type, on: message.on})
        break
      case 'hangup':
        void publish('control.hangup', {reason: message.reason})
        break
      case 'chat':
        void publish('control.chat', {text: message.text})
        break
      case 'recording':
        void publish('control.recording', {on: message.on})
        break
      default:
        break
    }
  })
  // A stall is only news: the call goes on, and the call component shows "reconnecting…" until the peer is heard.
  connection.onLiveness((change) => void publish(change.kind === 'stalled' ? 'control.stalled' : 'control.resumed', {silentMs: Math.round(change.silentMs)}))
  // The bus answers other request types, and a control.send without an audio, video, hangup or chat message, BAD_USAGE.
  const stopServing = await bus.serve('control', async (request) => {
    const {message} = request.body
    if (!connection.send(message)) throw new IvcError('PEER_GONE', 'the control connection is closed')
    await connection.drained()
    return {sent: message.type}
  })
  await publish('control.ready', {peer: options.peer})
  options.report({event: 'ready', peer: options.peer})

  const stopped = new Promise<'stopped'>((resolve) => whenAborted(options.signal, () => resolve('stopped')))
  const outcome = await Promise.race([connection.closed, stopped])
  await stopServing()
  if (outcome === 'stopped') {
    await connection.close('call over')
    return
  }

  logger.warn(`control connection lost: ${outcome.reason}`)
  await publish('control.lost', {reason: outcome.reason})
}

async function establish(options: ControlComponentOptions): Promise<ControlConnection> {
  const framed = {codec: controlCodec, logger: options.logger, keepalive: controlKeepalive(options.stallTimeoutMs), name: `control with ${options.peer}`}
  if (options.connect) {
    const {host, port} = options.connect
    const secret = await options.secret
    const connection = await retryWhileRefused(() => FramedConnection.connect<ControlMessage>(host, port, {...framed, secret}), options.waitForListenerMs ?? 0)
    await presentControlAuth(connection, {callId: options.callId, from: options.user})
    return connection
  }

  let admitted = false
  let resolveAdmitted!: (connection: ControlConnection) => void
  const admittedConnection = new Promise<ControlConnection>((resolve) => (resolveAdmitted = resolve))
  const expected = {callId: options.callId, peer: options.peer}
  const listener = await listenFramed<ControlMessage>({
    ...framed,
    secret: options.secret,
    host: options.listenHost ?? '0.0.0.0',
    port: options.listenPort ?? 0,
    onConnection: (connection) => {
      if (admitted) {
        connection.destroy('the call already has its control connection')
        return
      }

      void admitControl(connection, expected).then((check) => {
        if (check.ok && !admitted) {
          admitted = true
          resolveAdmitted(connection)
        } else if (check.ok) {
          connection.destroy('the call already has its control connection')
        } else {
          options.logger.warn(`control: refused a connection: ${check.reason}`)
        }
      })
    },
  })
  options.report({event: 'listening', port: listener.port})
  const aborted = new Promise<never>((_, reject) => {
    whenAborted(options.signal, () => reject(new IvcError('PEER_GONE', 'stopped before the peer connected')))
  })
  try {
    return await Promise.race([admittedConnection, aborted])
  } finally {
    // Stop accepting; server.close() would wait for the admitted connection to end, so don't wait for it.
    void listener.close()
  }
}
