import type {Bus} from '../bus/bus.js'
import {IvcError} from '../foundation/errors.js'
import type {CallDriver} from './driver.js'

/** What `ivc control` can ask the call component over the bus (request types `call.*`). */
export async function serveCallRequests(bus: Bus, driver: CallDriver): Promise<() => Promise<void>> {
  // The bus has checked the body against the type's schema (src/bus/messages.ts REQUESTS.call): a call.dial has peer,
  // host, port and the callee's identity key, a call.set-media its kind, a call.chat its text, a call.record
  // its on (and file); anything else was answered BAD_USAGE.
  return bus.serve('call', async (request) => {
    switch (request.type) {
      case 'call.dial': {
        // `ivc call` run next to this user's `ivc listen`: the listener places the call (see commands/call.ts).
        const body = request.body
        const {callId} = await driver.placeCall(body.peer, body.host, body.port, body.publicKey, body.signedAt, body.record)
        return {callId}
      }

      case 'call.status':
        return describeState(driver)
      case 'call.accept':
        await driver.accept()
        return describeState(driver)
      case 'call.reject':
        driver.reject(request.body.reason)
        return describeState(driver)
      case 'call.hangup':
        driver.hangup(request.body.reason ?? 'hung up')
        return describeState(driver)
      case 'call.set-media':
        driver.setMedia(request.body.kind, Boolean(request.body.on))
        return describeState(driver)
      case 'call.chat':
        await driver.chat(request.body.text)
        return {...describeState(driver), sent: 'chat'}
      case 'call.record': {
        // `ivc control record start FILE|stop`: the file is the client's, resolved against its own directory.
        const {file} = request.body
        if (!request.body.on) return {...describeState(driver), recording: {on: false, ...(await driver.stopRecording())}}
        if (file === undefined) throw new IvcError('BAD_USAGE', 'record start needs a file: ivc control record start FILE.mkv')
        return {...describeState(driver), recording: {on: true, file: await driver.startRecording(file)}}
      }

      case 'call.stats':
        return {
          ...describeState(driver),
          video: (await bus.getState('stream-video')) ?? {},
          audio: (await bus.getState('stream-audio')) ?? {},
        }
      default:
        return request satisfies never
    }
  })
}

export function describeState(driver: CallDriver): Record<string, unknown> {
  const state = driver.state
  const base: Record<string, unknown> = {state: state.kind}
  if ('call' in state) {
    const call = state.call
    Object.assign(base, {callId: call.callId, peer: call.peer})
    if ('sending' in call) Object.assign(base, {role: call.role, sending: call.sending, startedAt: call.startedAt, ...driver.safety()})
  }

  if (state.lastEnd) base.lastEnd = state.lastEnd
  return base
}
