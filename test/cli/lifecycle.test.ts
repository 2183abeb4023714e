import {afterEach, describe, expect, it, vi} from 'vitest'

import {Lifecycle} from '../../src/cli/lifecycle.js'
import {recordingLogger} from '../support/logger.js'

describe('Lifecycle and signals', () => {
  const before = {SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM')}
  afterEach(() => {
    vi.restoreAllMocks()
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      for (const listener of process.listeners(signal)) if (!before[signal].includes(listener)) process.off(signal, listener)
    }

    process.exitCode = undefined
  })

  it('after the command is over, a signal ends the process with the command\'s status', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never)
    const lifecycle = new Lifecycle(recordingLogger())
    lifecycle.installSignalHandlers()
    // The command finished with status 3; Node is still closing sockets when a signal comes (a test harness stopping
    // it, say). The process must end with 3, not die by SIGINT (no handler at all) or exit 130 (a second signal).
    process.exitCode = 3
    lifecycle.dispose()
    lifecycle.dispose()
    expect(process.listenerCount('SIGINT')).toBe(before.SIGINT.length + 1)
    process.emit('SIGTERM', 'SIGTERM')
    expect(exit).toHaveBeenCalledWith(3)
    expect(exit).toHaveBeenCalledTimes(1)
    expect(lifecycle.stopping).toBe(false)
  })
})
