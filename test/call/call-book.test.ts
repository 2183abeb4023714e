import {describe, expect, it} from 'vitest'

import {CallBook} from '../../src/call/call-book.js'
import {initialCallState} from '../../src/call/state-machine.js'
import type {CallEnd, CallState, IncomingCall} from '../../src/call/types.js'

const config = initialCallState({user: 'bob'}).config
const listening: CallState = {kind: 'listening', config}
const incoming = (callId: string): IncomingCall => ({callId, peer: 'alice', conn: 'c1', peerHost: '10.0.0.1', offer: {}, keyShare: 'k', inviteHash: 'a'.repeat(64), glare: false, since: 0})
const ringing = (callId: string): CallState => ({kind: 'incoming', config, call: incoming(callId)})
const end = (callId: string): CallEnd => ({callId, peer: 'alice', role: 'callee', code: 'remote-hangup', reason: 'alice hung up', startedAt: 0, endedAt: 12_340, durationMs: 12_340})

const book = () => new CallBook<string, {callId: string}>()

describe('the call driver\'s book', () => {
  it('hands out connection ids and forgets links, one or all', () => {
    const links = book()
    const [first, second] = [links.newConnId(), links.newConnId()]
    expect([first, second]).toEqual(['c1', 'c2'])
    links.addLink(first, 'socket 1')
    links.addLink(second, 'socket 2')
    expect(links.link(first)).toBe('socket 1')
    links.removeLink(first)
    expect(links.link(first)).toBeUndefined()
    expect(links.takeLinks()).toEqual(['socket 2'])
    expect(links.takeLinks()).toEqual([])
  })

  it('keeps one timer per name and call: a restart gives back the handle it replaces', () => {
    const timers = book()
    expect(timers.setTimer('answer', 'call-1', 'h1')).toBeUndefined()
    expect(timers.setTimer('answer', 'call-1', 'h2')).toBe('h1')
    expect(timers.setTimer('answer', 'call-2', 'h3')).toBeUndefined()
    expect(timers.setTimer('teardown', 'call-1', 'h4')).toBeUndefined()
    expect(timers.takeTimer('answer', 'call-1')).toBe('h2')
    expect(timers.takeTimer('answer', 'call-1')).toBeUndefined()
    expect(timers.takeTimers()).toEqual(['h3', 'h4'])
    expect(timers.takeTimers()).toEqual([])
  })

  it('asks for the callee\'s components when a call rings with no session, and for nothing else', () => {
    const sessions = book()
    expect(sessions.followState(listening)).toEqual({})
    expect(sessions.followState(ringing('call-1'))).toEqual({ring: incoming('call-1')})
    sessions.session = {callId: 'call-1'}
    expect(sessions.followState(ringing('call-1'))).toEqual({})
  })

  it('gives up the session of a call the state has moved on from, once', () => {
    const sessions = book()
    const old = {callId: 'call-1'}
    sessions.session = old
    expect(sessions.followState(ringing('call-2'))).toEqual({stop: old, ring: incoming('call-2')})
    expect(sessions.session).toBeUndefined()
    sessions.session = {callId: 'call-2'}
    expect(sessions.followState({...listening, lastEnd: end('call-2')})).toEqual({stop: {callId: 'call-2'}})
    expect(sessions.followState(listening)).toEqual({})
    sessions.session = {callId: 'call-3'}
    expect(sessions.takeSession()).toEqual({callId: 'call-3'})
    expect(sessions.takeSession()).toBeUndefined()
  })

  it('builds a call\'s summary with the media summaries kept for it, for whoever waits', async () => {
    const calls = book()
    const waiting = calls.waitForEnd('call-1')
    calls.keepSummaries('call-1', {audio: {role: 'receiver', frames: 617}, setupMs: 200})
    const summary = {callId: 'call-1', peer: 'alice', role: 'callee', durationS: 12.3, endReason: 'alice hung up', endCode: 'remote-hangup', audio: {role: 'receiver', frames: 617}, setupMs: 200}
    expect(calls.ended('call-1', end('call-1'))).toEqual(summary)
    await expect(waiting).resolves.toEqual(summary)
    // Used once: a second end of the same id has no media summaries left.
    expect(calls.ended('call-1', end('call-1'))).not.toHaveProperty('audio')
  })

  it('drops media summaries that came after their call ended', () => {
    const calls = book()
    calls.keepSummaries('call-1', {audio: {frames: 1}})
    calls.dropSummaries('call-1')
    expect(calls.ended('call-1', end('call-1'))).not.toHaveProperty('audio')
  })

  it('moves whoever waits for a call that a glare replaced to the call that replaced it', async () => {
    const calls = book()
    const waiting = calls.waitForEnd('ours')
    calls.replaced('ours', 'theirs')
    calls.ended('ours', end('ours'))
    calls.ended('theirs', end('theirs'))
    await expect(waiting).resolves.toMatchObject({callId: 'theirs'})
  })

  it('forgets whoever waited for a call that was never placed', async () => {
    const calls = book()
    let heard = false
    void calls.waitForEnd('call-1').then(() => (heard = true))
    calls.stopWaiting('call-1')
    calls.ended('call-1', end('call-1'))
    await Promise.resolve()
    expect(heard).toBe(false)
  })

  it('tells who waits for no call in progress once a step leaves none', async () => {
    const calls = book()
    let idle = 0
    void calls.whenIdle().then(() => (idle += 1))
    calls.settle(ringing('call-1'))
    await Promise.resolve()
    expect(idle).toBe(0)
    calls.settle(listening)
    calls.settle({kind: 'idle', config})
    await Promise.resolve()
    expect(idle).toBe(1)
  })

  it('runs one accept at a time: a second joins the first, a later one runs anew', async () => {
    const calls = book()
    let runs = 0
    let finish!: () => void
    const accept = () => {
      runs += 1
      return new Promise<void>((resolve) => (finish = resolve))
    }

    const first = calls.accepting(accept)
    const second = calls.accepting(accept)
    expect(runs).toBe(1)
    finish()
    await Promise.all([first, second])
    void calls.accepting(accept)
    expect(runs).toBe(2)
  })
})
