import {z} from 'zod'

import type {Bus} from '../bus/bus.js'
import {IvcError} from '../foundation/errors.js'
import {MAX_CHAT_CHARS} from '../protocol/call/control.js'
import type {CallDriver} from './driver.js'

/** The fields requests may carry; a reason is cut to what the signalling protocol carries (200 characters). */
const requestBody = z.object({
  reason: z.string().transform((text) => text.slice(0, 200)).optional(),
  kind: z.enum(['audio', 'video']).optional(),
  on: z.boolean().optional(),
  peer: z.string().max(32).optional(),
  host: z.string().max(255).optional(),
  port: z.number().int().min(1).max(65_535).optional(),
  text: z.string().min(1).max(MAX_CHAT_CHARS).optional(),
})

/** What `ivc control` can ask the call component over the bus (request types `call.*`). */
export async function serveCallRequests(bus: Bus, driver: CallDriver): Promise<() => Promise<void>> {
  return bus.serve(async (request) => {
    const parsed = requestBody.safeParse(request.body ?? {})
    if (!parsed.success) throw new IvcError('BAD_USAGE', `bad ${request.type} request: ${parsed.error.issues[0]?.message}`)
    const body = parsed.data
    switch (request.type) {
      case 'call.dial': {
        // `ivc call` run next to this user's `ivc listen`: the listener places the call (see commands/call.ts).
        if (!body.peer || !body.host || !body.port) throw new IvcError('BAD_USAGE', 'call.dial needs peer, host and port')
        const {callId} = await driver.placeCall(body.peer, body.host, body.port)
        return {callId}
      }

      case 'call.status':
        return describeState(driver)
      case 'call.accept':
        await driver.accept()
        return describeState(driver)
      case 'call.reject':
        driver.reject(body.reason)
        return describeState(driver)
      case 'call.hangup':
        driver.hangup(body.reason ?? 'hung up')
        return describeState(driver)
      case 'call.set-media':
        if (body.kind !== 'audio' && body.kind !== 'video') throw new IvcError('BAD_USAGE', 'set-media needs kind audio or video')
        driver.setMedia(body.kind, Boolean(body.on))
        return describeState(driver)
      case 'call.chat':
        if (!body.text) throw new IvcError('BAD_USAGE', 'call.chat needs text')
        await driver.chat(body.text)
        return {...describeState(driver), sent: 'chat'}
      case 'call.stats':
        return {
          ...describeState(driver),
          video: (await bus.getState('stream-video')) ?? {},
          audio: (await bus.getState('stream-audio')) ?? {},
        }
      default:
        throw new IvcError('BAD_USAGE', `the call component does not handle ${request.type}`)
    }
  })
}

export function describeState(driver: CallDriver): Record<string, unknown> {
  const state = driver.state
  const base: Record<string, unknown> = {state: state.kind}
  if ('call' in state) {
    const call = state.call
    Object.assign(base, {callId: call.callId, peer: call.peer})
    if ('sending' in call) Object.assign(base, {role: call.role, sending: call.sending, startedAt: call.startedAt})
  }

  if (state.lastEnd) base.lastEnd = state.lastEnd
  return base
}
