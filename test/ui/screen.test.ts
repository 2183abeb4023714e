import {describe, expect, it} from 'vitest'

import {END_CODES} from '../../src/call/steps.js'
import {applyCallEvent, endNotice, homeView} from '../../src/ui/screen.js'
import type {ScreenView} from '../../src/ui/page-types.js'

/** Feed call events (as they come on the user's bus) into the screen reducer, one after another. */
function feed(events: Array<[string, Record<string, unknown>]>, start: ScreenView = homeView('alice')): ScreenView[] {
  const views: ScreenView[] = []
  let view = start
  for (const [type, body] of events) views.push((view = applyCallEvent(view, type, {callId: 'c1', ...body})))
  return views
}

describe('the screen of ivc ui, folded from call events', () => {
  it('Home → Calling → On call → Home, with media toggles and a stall on the way', () => {
    const views = feed([
      ['call.outgoing', {peer: 'bob'}],
      ['call.ringing', {peer: 'bob'}],
      ['call.started', {peer: 'bob'}],
      ['call.media-up', {peer: 'bob'}],
      ['call.media', {peer: 'bob', side: 'peer', kind: 'audio', on: false}],
      ['call.media', {peer: 'bob', side: 'local', kind: 'video', on: false}],
      ['call.stalled', {peer: 'bob', silentMs: 2000, timeoutMs: 10_000}],
      ['call.resumed', {peer: 'bob', silentMs: 2500}],
      ['call.ending', {peer: 'bob', code: 'remote-hangup', reason: 'hung up'}],
      ['call.ended', {peer: 'bob', code: 'remote-hangup', reason: 'hung up'}],
    ])
    expect(views.map((view) => view.screen)).toEqual(['calling', 'calling', 'on-call', 'on-call', 'on-call', 'on-call', 'on-call', 'on-call', 'home', 'home'])
    expect(views[2]).toMatchObject({peer: 'bob', connected: false, secured: true})
    expect(views[3].connected).toBe(true)
    expect(views[4].remote).toEqual({audio: false, video: true})
    expect(views[5].local).toEqual({audio: true, video: false})
    expect([views[6].stalled, views[7].stalled]).toEqual([true, false])
    // The notice comes from call.ending; call.ended of the same call does not repeat or change it.
    expect(views[8].notice).toBe('bob hung up.')
    expect(views[9]).toBe(views[8])
    // What this side turned off stays off for the next call (the camera toggle on Home).
    expect(views[9].local).toEqual({audio: true, video: false})
    expect(views[9].remote).toEqual({audio: true, video: true})
  })

  it('Home → Incoming → Home when declined, and a second caller during a call leaves the call on screen', () => {
    const [incoming, declined] = feed([
      ['call.incoming', {peer: 'carol'}],
      ['call.ended', {peer: 'carol', code: 'declined', reason: 'declined'}],
    ])
    expect(incoming).toMatchObject({screen: 'incoming', peer: 'carol'})
    expect(declined).toMatchObject({screen: 'home', notice: 'You declined the call from carol.'})
    const [onCall] = feed([['call.started', {peer: 'bob'}]])
    const after = feed([['call.incoming', {peer: 'mallory'}], ['call.refused', {peer: 'mallory', reason: 'busy'}]], onCall)
    expect(after.map((view) => [view.screen, view.peer])).toEqual([['on-call', 'bob'], ['on-call', 'bob']])
  })

  it('glare: our call yields to the peer\'s, which rings and goes on as the conversation', () => {
    const views = feed([
      ['call.outgoing', {peer: 'bob'}],
      ['call.ended', {peer: 'bob', code: 'glare', reason: 'glare'}],
      ['call.incoming', {peer: 'bob', glare: true}],
      ['call.started', {peer: 'bob'}],
    ])
    expect(views.map((view) => view.screen)).toEqual(['calling', 'calling', 'incoming', 'on-call'])
  })

  it('says why a call ended for every end code, naming the peer', () => {
    for (const code of Object.keys(END_CODES)) expect(endNotice(code, 'bob', 'why'), code).toMatch(/bob|this side/)
    expect(endNotice('rejected', 'bob', '')).toBe('bob declined the call.')
    expect(endNotice('busy', 'bob', '')).toBe('bob is busy in another call.')
    expect(endNotice('unreachable', 'bob', '')).toBe('Could not reach bob.')
    expect(endNotice('peer-gone', 'bob', '')).toBe('Call dropped: the connection to bob was lost.')
  })
})
