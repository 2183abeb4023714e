import type {Bus} from '../bus/bus.js'
import type {TopicEnvelope} from '../bus/messages.js'
import {type Clock, realClock} from '../foundation/clock.js'
import {IvcError} from '../foundation/errors.js'
import type {CallSummary} from './driver.js'
import {stopReason} from './interrupt.js'
import {whenAborted} from '../foundation/abort.js'

/**
 * `ivc call` while the same user's `ivc listen` runs: the listener is the user's one call component, so it places
 * the call (request `call.dial`) and `ivc call` follows it on the bus — progress, --duration, Ctrl-C → hang-up —
 * until `call.ended` brings the summary.
 */
export async function callThroughListener(options: {
  bus: Bus
  peer: string
  host: string
  port: number
  /** The callee's identity key and the signed-at time of its entry, from the directory (place-call.ts). */
  publicKey: string
  signedAt: number
  durationS?: number
  /** `--record FILE`: the listener records the call into this file (an absolute path) once it begins. */
  record?: string
  signal: AbortSignal
  onEvent: (event: string, body: Record<string, unknown>) => void
  /** Default realClock. */
  clock?: Clock
}): Promise<CallSummary> {
  const {bus} = options
  const clock = options.clock ?? realClock
  let callId: string | undefined
  const early: Array<TopicEnvelope<'call'>> = []
  let durationTimer: unknown
  const hangup = (reason: string) => void bus.request('call', 'call.hangup', {reason}).catch(() => undefined)
  let finish!: (summary: CallSummary) => void
  let fail!: (error: Error) => void
  const ended = new Promise<CallSummary>((resolve, reject) => {
    finish = resolve
    fail = reject
  })
  // The listener placing our call may die (SIGKILL, crash): its liveness key expires and we stop waiting.
  const watchdog = clock.setInterval(() => {
    void bus.alive('call').then((alive) => {
      if (alive.length === 0) fail(new IvcError('BUS_TIMEOUT', `the ivc listen of ${bus.user} stopped during the call`))
    }, () => undefined)
  }, 2000)
  const handle = (envelope: TopicEnvelope<'call'>) => {
    options.onEvent(envelope.type, envelope.body)
    if (envelope.type === 'call.media-up' && options.durationS) durationTimer = clock.setTimeout(() => hangup('duration over'), options.durationS * 1000)
    if (envelope.type === 'call.ended') finish(envelope.body.summary)
    // Glare: our call yielded to the peer's call to us, which goes on as the same conversation.
    if (envelope.type === 'call.replaced') callId = envelope.body.replacedBy
  }

  // Subscribe before dialling so no event of the call is missed; keep those that come before we know its id.
  const unsubscribe = await bus.subscribe('call', (envelope) => {
    if (callId === undefined) early.push(envelope)
    else if (envelope.callId === callId) handle(envelope)
  })
  const stopListening = whenAborted(options.signal, () => hangup(stopReason(options.signal)))
  try {
    ;({callId} = await bus.request('call', 'call.dial', {peer: options.peer, host: options.host, port: options.port, publicKey: options.publicKey, signedAt: options.signedAt, ...(options.record === undefined ? {} : {record: options.record})}, {timeoutMs: 10_000}))
    for (const envelope of early.splice(0)) if (envelope.callId === callId) handle(envelope)
    return await ended
  } finally {
    clock.clearTimeout(watchdog)
    clock.clearTimeout(durationTimer)
    stopListening()
    await unsubscribe()
  }
}
