import type {Bus} from '../bus/bus.js'
import {type Clock, realClock} from '../foundation/clock.js'
import type {Logger} from '../foundation/logger.js'
import type {Identity} from '../security/identity.js'
import type {PeerTrust} from '../security/known-peers.js'
import {componentMedia} from './component-media.js'
import type {Callee} from './place-call.js'
import {tcpSignalling} from './connections.js'
import {CallDriver, type CallSummary} from './driver.js'
import type {ComponentContext, MediaPlan} from './media-session.js'
import {stopReason} from './interrupt.js'
import {serveCallRequests} from './serve-requests.js'
import {whenAborted} from '../foundation/abort.js'

/**
 * `ivc call` with no `ivc listen` running for the user: the command is the user's call component for this one call
 * (on the bus as `call`, so `ivc control` works on it too).
 */
export async function callAlone(options: {
  bus: Bus
  logger: Logger
  context: ComponentContext
  address: string
  answerTimeoutMs: number
  plan: MediaPlan
  peer: string
  callee: Callee
  identity: Identity
  trust: PeerTrust
  durationS?: number
  /** `--record FILE`: record the call into this Matroska file (recording.ts). */
  record?: string
  signal: AbortSignal
  onShutdown: (close: () => unknown) => void
  onEvent: (event: string, body: Record<string, unknown>) => void
  /** Default realClock. */
  clock?: Clock
}): Promise<CallSummary> {
  const {bus, signal} = options
  const clock = options.clock ?? realClock
  await bus.startLiveness()
  let durationTimer: unknown
  const {logger, context, plan} = options
  const driver: CallDriver = new CallDriver({
    user: context.user,
    bus,
    logger,
    address: options.address,
    identity: options.identity,
    trust: options.trust,
    answerTimeoutMs: options.answerTimeoutMs,
    ...(context.stallTimeoutS ? {stallTimeoutMs: context.stallTimeoutS * 1000} : {}),
    network: tcpSignalling({logger, clock, bindHost: context.bind, identity: options.identity, ...(context.stallTimeoutS ? {stallTimeoutMs: context.stallTimeoutS * 1000} : {})}),
    media: componentMedia({logger, plan, context, clock}),
    clock,
    onEvent: (event, body) => {
      options.onEvent(event, body)
      // --duration counts from when media flows, not from the answer: starting the components takes a moment.
      if (event === 'call.media-up' && options.durationS) durationTimer = clock.setTimeout(() => driver.hangup('duration over'), options.durationS * 1000)
    },
  })
  options.onShutdown(() => driver.shutdown())
  await driver.subscribeControl()
  await serveCallRequests(bus, driver)
  driver.goOnline()
  const onStop = () => {
    try {
      driver.hangup(stopReason(signal))
    } catch {
      // Nothing to hang up yet (the call is still being prepared): checked again once it is placed.
    }
  }

  const stopListening = whenAborted(signal, onStop)
  try {
    const {callee} = options
    const placed = await driver.placeCall(options.peer, callee.host, callee.port, callee.publicKey, callee.signedAt, options.record)
    if (signal.aborted) onStop()
    return await placed.ended
  } finally {
    clock.clearTimeout(durationTimer)
    stopListening()
  }
}
