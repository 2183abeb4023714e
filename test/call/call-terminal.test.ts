import {randomUUID} from 'node:crypto'

import {afterEach, describe, expect, inject, it} from 'vitest'

import {killPtys, startInPty} from '../support/pty.js'

const redis = inject('redisUrl')
const name = (prefix: string) => `${prefix}${randomUUID().slice(0, 6)}`
const common = ['--redis', redis, '--address', '127.0.0.1', '--heartbeat-ms', '200', '--expiry-ms', '1000', '--size', '320x240', '--video-connections', '2', '--audio-connections', '2']

afterEach(killPtys)

describe('a call driven from the terminals it runs in (keys only)', () => {
  it('answers with y (not with a y typed before it rang), mutes, turns video off, chats, shows stats, hangs up; Ctrl-C quits an idle listener', async () => {
    const bob = name('bob')
    const alice = name('alice')
    const listener = startInPty(['listen', '--user', bob, '--port', '0', ...common])
    await listener.waitFor(`${bob} is listening for calls`)
    await listener.waitFor(`${bob}: no call`)
    // Typed ahead, before any call: it must not answer the call that comes next.
    listener.type('y')
    const caller = startInPty(['call', bob, '--user', alice, ...common])
    await listener.waitFor(`incoming call from ${alice} (127.0.0.1)`)
    await listener.waitFor('accept? y / n')
    expect(listener.screen()).not.toContain(`connected with ${alice}`)
    listener.type('y')
    await caller.waitFor(`in call with ${bob}`)
    await listener.waitFor(`in call with ${alice}`)

    let mark = listener.screen().length
    caller.type('m')
    await listener.waitFor(`${alice} turned audio off`, mark)
    await caller.waitFor('you: mic OFF, cam on')
    caller.type('v')
    await listener.waitFor(`${alice} turned video off`, mark)
    await listener.waitFor(`${alice}: mic OFF, cam OFF`, mark)

    caller.type('c')
    await caller.waitFor('chat> ')
    caller.type('hello bob\r')
    await listener.waitFor(`${alice}: hello bob`, mark)
    // While typing, keys are text: the m in "hm" did not unmute.
    mark = listener.screen().length
    listener.type('chm\r')
    await caller.waitFor(`${bob}: hm`)
    await caller.waitFor('you: mic OFF')

    // Stats once there are some: the status line shows the video a component reported (its state is written before
    // its event), so the table has rows; asked earlier it says "no stream has reported statistics yet".
    await caller.waitFor('| video in ')
    const callerMark = caller.screen().length
    caller.type('s')
    await caller.waitFor(/stream +frames +fps +kbit\/s/, callerMark)
    caller.type('?')
    await caller.waitFor('keys: m mute/unmute', callerMark)

    caller.type('h')
    await listener.waitFor(`call with ${alice} ended`, mark)
    const ended = await caller.child
    expect(ended.exitCode).toBe(0)
    await listener.waitFor(`${bob}: no call`, mark)

    // Idle, Ctrl-C quits the listener.
    listener.type('\u0003')
    expect((await listener.child).exitCode).toBe(0)
  }, 120_000)
})
