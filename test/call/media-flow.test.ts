import {describe, expect, it} from 'vitest'

import {MediaFlow} from '../../src/call/media-flow.js'

describe('MediaFlow: when a call\'s media counts as up', () => {
  it('is up once every receiver has had its first frame', () => {
    const flow = new MediaFlow()
    flow.expect('video')
    flow.expect('audio')
    expect(flow.up).toBe(false)
    flow.firstFrame('audio')
    expect(flow.up).toBe(false)
    flow.firstFrame('video')
    expect(flow.up).toBe(true)
  })

  it('awaits no frame of a medium the peer has off, and awaits it again once the peer turns it on before it came', () => {
    const flow = new MediaFlow()
    flow.expect('video')
    flow.expect('audio')
    flow.firstFrame('audio')
    flow.peerSends('video', false)
    expect(flow.up).toBe(true)
    flow.peerSends('video', true)
    expect(flow.up).toBe(false)
    flow.firstFrame('video')
    expect(flow.up).toBe(true)
  })

  it('heeds the peer saying so before the receiver started, and forgets a receiver that stopped', () => {
    const flow = new MediaFlow()
    flow.peerSends('video', false)
    flow.expect('video')
    flow.expect('audio')
    expect(flow.up).toBe(false)
    flow.forget('audio')
    expect(flow.up).toBe(true)
  })
})
