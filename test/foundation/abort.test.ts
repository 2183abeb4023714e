import {describe, expect, it} from 'vitest'

import {whenAborted} from '../../src/foundation/abort.js'

describe('whenAborted', () => {
  it('runs once when the signal aborts, and not after the listener is removed', () => {
    const controller = new AbortController()
    const calls: string[] = []
    whenAborted(controller.signal, () => calls.push('first'))
    const remove = whenAborted(controller.signal, () => calls.push('removed'))
    remove()
    controller.abort()
    controller.abort()
    expect(calls).toEqual(['first'])
  })

  it('runs at once on a signal that has already aborted (a plain abort listener never would)', () => {
    const controller = new AbortController()
    controller.abort('stopped while loading')
    let plain = false
    controller.signal.addEventListener('abort', () => (plain = true))
    let ran = false
    whenAborted(controller.signal, () => (ran = true))
    expect([plain, ran]).toEqual([false, true])
  })
})
