import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, describe, expect, it} from 'vitest'

import {FRAME_BYTES} from '../../src/media/audio/format.js'
import {ToneGenerator} from '../../src/media/audio/tone.js'
import {OpusCodec} from '../../src/plugins/audio/opus-codec.js'
import {probeNodeAv} from '../../src/plugins/native.js'
import {killAll, runCli, startCli, waitForLine} from '../support/cli.js'
import {goertzelPower, medianFrequency} from './pcm-analysis.js'

// Opus needs the optional node-av; without it these say so by being skipped, and the pcm tests still run.
const opus = probeNodeAv().ok

afterEach(killAll)

function tone(frequency: number, frames: number): Buffer[] {
  const generator = new ToneGenerator(frequency)
  return Array.from({length: frames}, (_, index) => generator.frame(index))
}

describe.skipIf(!opus)('the opus codec (node-av)', () => {
  it('round-trips a tone: each frame one small packet, decoded to one 20 ms frame of the same tone', () => {
    const codec = new OpusCodec()
    const sent = tone(440, 50)
    const packets = sent.map((pcm) => codec.encode(pcm))
    for (const packet of packets) expect(codec.fits(packet.length)).toBe(true)
    // 32 kbit/s is 80 bytes a frame; PCM is 1920.
    expect(packets.reduce((sum, packet) => sum + packet.length, 0) / packets.length).toBeLessThan(200)
    const decoded = packets.map((packet) => codec.decode(packet))
    for (const pcm of decoded) expect(pcm.length).toBe(FRAME_BYTES)
    expect(medianFrequency(Buffer.concat(decoded.slice(5)))).toBeCloseTo(440, -1)
  })

  it('conceals a missing frame with the decoder: the tone carries on through the gap, then decoding resumes', () => {
    const codec = new OpusCodec()
    const packets = tone(1000, 30).map((pcm) => codec.encode(pcm))
    for (const packet of packets.slice(0, 20)) codec.decode(packet)
    const concealed = codec.conceal()
    expect(concealed.length).toBe(FRAME_BYTES)
    // Not silence, not a repeat of noise: mostly the tone, at the tone's frequency rather than a neighbour's.
    expect(goertzelPower(concealed, 1000)).toBeGreaterThan(10 * goertzelPower(concealed, 700))
    const after = packets.slice(21).map((packet) => codec.decode(packet))
    expect(medianFrequency(Buffer.concat(after))).toBeCloseTo(1000, -1)
  })

  it('makes silence (a muted microphone) nearly free with DTX', () => {
    const codec = new OpusCodec()
    const sizes = Array.from({length: 60}, () => codec.encode(Buffer.alloc(FRAME_BYTES)).length)
    // Once DTX has settled, a frame is a packet of a byte or two, with a comfort-noise update now and then.
    expect(sizes.slice(-20).filter((bytes) => bytes <= 3).length).toBeGreaterThanOrEqual(15)
  })

  it('refuses a payload that cannot be one Opus frame', () => {
    const codec = new OpusCodec()
    expect(codec.fits(0)).toBe(false)
    expect(codec.fits(1276)).toBe(false)
    expect(() => codec.decode(Buffer.alloc(0))).toThrow()
  })
})

describe.skipIf(!opus)('ivc stream-audio --codec opus', () => {
  it('carries a tone between two real processes: decoded in order, the same tone at the far end, said in the stats', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ivc-opus-'))
    try {
      const file = join(dir, 'received.wav')
      const receiver = startCli(['stream-audio', '--listen', '--port', '0', '--codec', 'opus', '--sink', 'file', '--file', file, '--json'])
      const port = JSON.parse(await waitForLine(receiver, 'stdout', (line) => line.includes('"listening"'))).port
      const enough = waitForLine(receiver, 'stdout', (line) => line.includes('"role":"receiver"') && JSON.parse(line).played >= 100)
      const sender = startCli(['stream-audio', '--to', `127.0.0.1:${port}`, '--source', 'tone', '--frequency', '600', '--codec', 'opus', '--json'])
      await enough
      sender.kill('SIGINT')
      const [sent, received] = await Promise.all([sender, receiver])
      expect(sent.exitCode, String(sent.stderr)).toBe(0)
      expect(received.exitCode, String(received.stderr)).toBe(0)
      const summary = JSON.parse(String(received.stdout).trim().split('\n').at(-1)!)
      expect(summary).toMatchObject({role: 'receiver', codec: 'opus', malformed: 0})
      expect(summary.played).toBeGreaterThanOrEqual(100)
      expect(JSON.parse(String(sent.stdout).trim().split('\n').at(-1)!)).toMatchObject({role: 'sender', codec: 'opus'})
      // The WAV's 44-byte header, then what was played: the sender's tone, through Opus.
      expect(medianFrequency(readFileSync(file).subarray(44))).toBeCloseTo(600, -1)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  }, 120_000)
})

describe('ivc stream-audio --codec opus without node-av', () => {
  it('refuses in one line with the install hint, and ivc doctor says opus is unavailable while pcm is there', async () => {
    const env = {IVC_DISABLE_NATIVE: 'node-av'}
    const result = await runCli(['stream-audio', '--listen', '--port', '0', '--codec', 'opus', '--sink', 'null'], {env})
    expect(result.exitCode).not.toBe(0)
    expect(String(result.stderr)).toMatch(/node-av is disabled by IVC_DISABLE_NATIVE \[BACKEND_MISSING\]/)
    expect(String(result.stderr)).toMatch(/npm install node-av/)
    const doctor = await runCli(['doctor', '--json'], {env})
    const codecs = (JSON.parse(String(doctor.stdout)).backends as Array<{name: string; kind: string; ok: boolean}>).filter((backend) => backend.kind === 'audio-codec')
    expect(codecs).toEqual(expect.arrayContaining([expect.objectContaining({name: 'pcm', ok: true}), expect.objectContaining({name: 'opus', ok: false, hint: expect.stringMatching(/npm install node-av/)})]))
  }, 60_000)
})
