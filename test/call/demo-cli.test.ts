import {describe, expect, it} from 'vitest'

import {runCli} from '../support/cli.js'

describe('ivc demo', () => {
  it('runs a real call between alice and bob with its own Redis and prints both summaries', async () => {
    // No Redis at --redis: the demo starts (and stops) a private redis-server.
    const {exitCode, stdout, stderr} = await runCli(['demo', '--duration', '8', '--json', '--redis', 'unix:///nonexistent/ivc-demo.sock'], {timeoutMs: 90_000})
    expect(exitCode, stderr).toBe(0)
    expect(stderr).toContain('started a private one')
    const {alice, bob} = JSON.parse(stdout)
    for (const side of [alice, bob]) {
      expect(side.video.fps).toBeGreaterThanOrEqual(25)
      expect(side.video.outOfOrder).toBe(0)
      expect(side.audio.frames).toBeGreaterThan(300)
    }

    expect(alice).toMatchObject({peer: 'bob', role: 'caller', endCode: 'hangup'})
    expect(bob).toMatchObject({peer: 'alice', role: 'callee', endCode: 'remote-hangup', callId: alice.callId})
    // The toggles happened: bob saw alice's video pause (a freeze) and her muted audio (silence, unmarked frames).
    expect(bob.video.freezes).toBeGreaterThanOrEqual(1)
    expect(bob.audio.sink.continuity.unmarked).toBeGreaterThan(0)
    // And alice's text message reached bob over the control connection.
    expect(JSON.parse(stdout).bobHeard).toBe('hello bob, can you see me?')
  }, 120_000)
})
