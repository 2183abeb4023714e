import {describe, expect, it} from 'vitest'

import {runCli} from '../support/cli.js'

describe('ivc demo', () => {
  it('runs a real call between alice and bob with its own Redis and prints both summaries', async () => {
    // No Redis at --redis: the demo starts (and stops) a private redis-server. The shortest call: the demo's script
    // (toggles, a message, then the hang-up) runs each step after the previous one was acknowledged, however slow.
    // PCM (--audio-codec through its environment variable, which the demo's peers inherit): it keeps the tone's
    // watermark, which shows the mute below; Opus would leave every frame unmarked.
    const env = {IVC_AUDIO_CODEC: 'pcm'}
    const {exitCode, stdout, stderr} = await runCli(['demo', '--duration', '3', '--json', '--redis', 'unix:///nonexistent/ivc-demo.sock'], {timeoutMs: 110_000, env})
    expect(exitCode, stderr).toBe(0)
    expect(stderr).toContain('started a private one')
    const {alice, bob, bobHeard} = JSON.parse(stdout)
    // Media crossed both ways: every video frame in order, audio never played backwards (rates are bench/'s business).
    for (const side of [alice, bob]) {
      expect(side.video.frames).toBeGreaterThan(0)
      expect(side.video.outOfOrder).toBe(0)
      expect(side.audio.frames).toBeGreaterThan(0)
      expect(side.audio.sink.continuity.backwards).toBe(0)
    }

    expect(alice).toMatchObject({peer: 'bob', role: 'caller', endCode: 'hangup'})
    expect(bob).toMatchObject({peer: 'alice', role: 'callee', endCode: 'remote-hangup', callId: alice.callId})
    // The toggles happened: bob saw alice's video pause (a freeze) and her muted audio (silence, unmarked frames).
    expect(bob.video.freezes).toBeGreaterThanOrEqual(1)
    expect(bob.audio).toMatchObject({codec: 'pcm'})
    expect(bob.audio.sink.continuity.marked).toBeGreaterThan(0)
    expect(bob.audio.sink.continuity.unmarked).toBeGreaterThan(0)
    // And alice's text message reached bob over the control connection.
    expect(bobHeard).toBe('hello bob, can you see me?')
  }, 120_000)
})
