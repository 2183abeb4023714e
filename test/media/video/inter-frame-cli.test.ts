import {randomUUID} from 'node:crypto'

import {afterEach, describe, expect, inject, it} from 'vitest'

import {Bus} from '../../../src/bus/bus.js'
import {probeNodeAvH264, probeNodeAvVp8} from '../../../src/plugins/native.js'
import {killAll, runCli, startCli, waitForLine} from '../../support/cli.js'
import {recordingLogger} from '../../support/logger.js'

afterEach(() => killAll())

const listening = async (child: ReturnType<typeof startCli>) => JSON.parse(await waitForLine(child, 'stdout', (line) => line.includes('"listening"'), 60_000)).port as number
const summaryOf = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!)
/** The next receiver stats event (--json) with at least `frames` frames played. */
const playedAtLeast = (child: ReturnType<typeof startCli>, frames: number) =>
  waitForLine(child, 'stdout', (line) => line.includes('"event":"stats"') && line.includes('"role":"receiver"') && JSON.parse(line).frames >= frames, 60_000).then((line) => JSON.parse(line).frames as number)
/** The codecs whose frames refer to earlier ones (src/media/video/keyframe-gate.ts), each where node-av has it. */
const CODECS = [
  {codec: 'h264', ok: probeNodeAvH264().ok},
  {codec: 'vp8', ok: probeNodeAvVp8().ok},
]

describe.each(CODECS)('ivc stream-video --codec $codec (processes over loopback)', ({codec, ok}) => {
  const args = ['--codec', codec, '--size', '320x240', '--connections', '4']

  it.skipIf(!ok)('streams over parallel lanes: every frame decoded in order, every stamp read back', async () => {
    const receiver = startCli(['stream-video', '--listen', '--port', '0', '--sink', 'null', '--json', '--log-level', 'info', ...args])
    const port = await listening(receiver)
    const sender = startCli(['stream-video', '--to', `127.0.0.1:${port}`, '--source', 'synthetic', '--json', ...args])
    await playedAtLeast(receiver, 60)
    sender.kill('SIGINT')
    const [tx, rx] = await Promise.all([sender, receiver])
    expect(tx.exitCode, String(tx.stderr)).toBe(0)
    expect(rx.exitCode, String(rx.stderr)).toBe(0)
    const summary = summaryOf(String(rx.stdout))
    expect(summary.frames).toBeGreaterThanOrEqual(60)
    expect(String(rx.stderr)).toContain(`video sink null: ${summary.frames} stamps verified, 0 unreadable, 0 out of order`)
  }, 120_000)

  it.skipIf(!ok)('after frames it could not show (the peer turned video off and on), skips to a keyframe, asking for one when the next frame is none, and shows every later frame in order', async () => {
    const redis = inject('redisUrl')
    const user = `h${randomUUID().slice(0, 8)}`
    const callId = `call-${randomUUID().slice(0, 8)}`
    const bus = await Bus.connect({redis, user, component: 'test', logger: recordingLogger()})
    try {
      // The receiver's stats on the bus name its codec (`ivc control stats` shows it).
      let heardCodec: (codec: unknown) => void
      const statsCodec = new Promise((resolve) => (heardCodec = resolve))
      await bus.subscribe('video-stats', (envelope) => heardCodec((envelope.body as {codec?: string}).codec))
      const receiver = startCli(['stream-video', '--listen', '--port', '0', '--sink', 'null', '--json', '--log-level', 'debug', '--user', user, '--redis', redis, '--call-id', callId, ...args])
      const port = await listening(receiver)
      // Without adaptation the bitrate stays put: a VP8 encoder opens again for a new one, and the new encoder's first
      // frame is a keyframe, which repairs the gap below unasked. Keyframes then come only every KEYFRAME_INTERVAL_S.
      const sender = startCli(['stream-video', '--to', `127.0.0.1:${port}`, '--source', 'synthetic', '--adapt', 'off', '--log-level', 'debug', ...args])
      const before = await playedAtLeast(receiver, 30)
      expect(await statsCodec).toBe(codec)
      const off = waitForLine(receiver, 'stderr', (line) => line.includes('the peer turned video off'))
      await bus.publish('call', 'call.media', {callId, side: 'peer', kind: 'video', on: false}, {callId})
      await off
      // A stats event a second later: frames have arrived meanwhile and were held back, not shown.
      await playedAtLeast(receiver, before)
      await bus.publish('call', 'call.media', {callId, side: 'peer', kind: 'video', on: true}, {callId})
      const resumed = await playedAtLeast(receiver, before + 1)
      await playedAtLeast(receiver, resumed + 30)
      sender.kill('SIGINT')
      const [tx, rx] = await Promise.all([sender, receiver])
      expect(tx.exitCode, String(tx.stderr)).toBe(0)
      expect(rx.exitCode, String(rx.stderr)).toBe(0)
      const txErr = String(tx.stderr)
      const rxErr = String(rx.stderr)
      // The frames held back leave a gap. The first frame after it decodes only if it is a keyframe (the periodic one);
      // any other is skipped, and a skip asks at once, which the sender hears. Which of the two it was depends on where
      // the gap ends (the "on", or the receiver's own resumption once frames keep coming: RESUME_AFTER_US), so the
      // counts say, not a log line that may never come.
      const keyframes = /keyframe requests sent: (\d+); frames skipped waiting for a keyframe: (\d+)/.exec(rxErr)
      const [requests, skipped] = keyframes ? [Number(keyframes[1]), Number(keyframes[2])] : [0, 0]
      if (skipped > 0) {
        expect(requests, rxErr).toBeGreaterThanOrEqual(1)
        const heard = /keyframe requests from the receiver: (\d+) honoured, (\d+) ignored/.exec(txErr)
        expect(heard, txErr).not.toBeNull()
        expect(Number(heard![1]) + Number(heard![2])).toBeGreaterThanOrEqual(1)
      }

      // Every live frame shown carried its stamp, in order: none was decoded without its reference. The only
      // unreadable pictures are the video-off still (shown twice for a player that needs the next picture).
      const summary = summaryOf(String(rx.stdout))
      const stills = Number(/video-off stills shown: (\d+)/.exec(rxErr)![1])
      expect(rxErr).toContain(`video sink null: ${summary.frames} stamps verified, ${2 * stills} unreadable, 0 out of order`)
    } finally {
      await bus.close()
    }
  }, 120_000)
})

describe('ivc stream-video --codec h264|vp8 without node-av', () => {
  it('refuses in one line with the install hint on either side, and ivc doctor says h264 and vp8 are unavailable', async () => {
    const env = {IVC_DISABLE_NATIVE: 'node-av'}
    for (const side of [['--to', '127.0.0.1:1', '--codec', 'h264'], ['--listen', '--port', '0', '--sink', 'null', '--codec', 'vp8']]) {
      const result = await runCli(['stream-video', ...side], {env})
      expect(result.exitCode, String(result.stderr)).toBe(30)
      expect(String(result.stderr)).toMatch(/node-av is disabled by IVC_DISABLE_NATIVE \[BACKEND_MISSING\]/)
      expect(String(result.stderr)).toMatch(/npm install node-av/)
    }

    const doctor = await runCli(['doctor', '--json'], {env})
    const codecs = (JSON.parse(String(doctor.stdout)).backends as Array<{name: string; kind: string; ok: boolean}>).filter((backend) => backend.kind === 'video-codec')
    for (const name of ['h264', 'vp8']) expect(codecs).toEqual(expect.arrayContaining([expect.objectContaining({name, ok: false, hint: expect.stringMatching(/npm install node-av/)})]))
  }, 60_000)
})
