import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {SAMPLE_RATE} from '../../src/media/audio/format.js'
import {ToneGenerator} from '../../src/media/audio/tone.js'
import {decodeWav} from '../../src/media/audio/wav.js'
import {killAll, runCli, startCli, waitForLine} from '../support/cli.js'
import {type PulseAudioServer, startPulseAudio} from '../support/pulseaudio.js'
import {audibleSpan, dominantFrequency, medianFrequency} from './pcm-analysis.js'

// naudiodon (PortAudio → ALSA → the pulse plugin) against a private PulseAudio daemon with a null sink: real samples
// go through the real audio stack, with no sound card.
let pulse: PulseAudioServer
const dir = mkdtempSync(join(tmpdir(), 'ivc-audio-pulse-'))

beforeAll(async () => {
  pulse = await startPulseAudio()
})
afterEach(killAll)
afterAll(async () => {
  await pulse?.stop()
  rmSync(dir, {recursive: true, force: true})
})

/** Record the null sink's monitor as 48 kHz mono s16le until stopped. */
function recordMonitor() {
  if (spawnSync('parec', ['--version']).error) throw new Error('parec is not installed: run `sudo apt-get install -y pulseaudio-utils`')
  const parec = spawn('parec', ['-d', pulse.monitor, '--rate=48000', '--channels=1', '--format=s16le', '--latency-msec=20'], {env: {...process.env, ...pulse.env}})
  const chunks: Buffer[] = []
  parec.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
  return {
    async stop(): Promise<Buffer> {
      const exited = new Promise((resolve) => parec.once('exit', resolve))
      parec.kill('SIGTERM')
      await exited
      return Buffer.concat(chunks)
    },
  }
}

async function listen(args: string[], env: Record<string, string>) {
  const receiver = startCli(['stream-audio', '--listen', '--port', '0', '--json', ...args], {env})
  const port = JSON.parse(await waitForLine(receiver, 'stdout', (line) => line.includes('"listening"'))).port as number
  return {receiver, port}
}

describe('naudiodon through PulseAudio', () => {
  it('lists the PulseAudio devices', async () => {
    const result = await runCli(['devices', '--json'], {env: pulse.env})
    expect(result.exitCode, result.stderr).toBe(0)
    const names = JSON.parse(result.stdout).audio.map((device: {name: string}) => device.name)
    expect(names).toEqual(expect.arrayContaining(['pulse']))
  })

  it('plays the received tone on the speaker sink: the null sink\'s monitor hears 1 kHz for the stream\'s length', async () => {
    const recorder = recordMonitor()
    const {receiver, port} = await listen(['--sink', 'speaker', '--device', 'pulse'], {...pulse.env, PULSE_SINK: pulse.sink})
    const sender = await runCli(['stream-audio', '--to', `127.0.0.1:${port}`, '--frequency', '1000', '--duration', '3'])
    expect(sender.exitCode, sender.stderr).toBe(0)
    const result = await receiver
    expect(result.exitCode, String(result.stderr)).toBe(0)
    // naudiodon's C code prints to stdout; it runs in a helper process, so our stdout is JSON lines only.
    for (const line of String(result.stdout).trim().split('\n')) expect(() => JSON.parse(line), line).not.toThrow()
    const summary = JSON.parse(String(result.stdout).trim().split('\n').at(-1)!)
    expect(summary.sink).toMatchObject({sink: 'speaker', device: 'pulse'})
    const heard = audibleSpan(await recorder.stop())
    expect(medianFrequency(heard)).toBeGreaterThan(990)
    expect(medianFrequency(heard)).toBeLessThan(1010)
    const seconds = heard.length / 2 / SAMPLE_RATE
    expect(seconds).toBeGreaterThan(2.5)
    expect(seconds).toBeLessThan(3.5)
  })

  it('captures from the mic source: a tone played into the null sink arrives in the recorded WAV', async () => {
    // Something plays 660 Hz into the null sink; the sender's "microphone" is that sink's monitor.
    const tone = new ToneGenerator(660, 0.5)
    const pcm = Buffer.concat(Array.from({length: 400}, (_, index) => tone.frame(index)))
    const player = spawn('pacat', ['-d', pulse.sink, '--rate=48000', '--channels=1', '--format=s16le', '--playback'], {env: {...process.env, ...pulse.env}})
    player.stdin.on('error', () => {})
    player.stdin.end(pcm)
    const path = join(dir, 'mic.wav')
    const {receiver, port} = await listen(['--sink', 'file', '--file', path], {})
    const sender = await runCli(['stream-audio', '--to', `127.0.0.1:${port}`, '--source', 'mic', '--device', 'pulse', '--duration', '5', '--json'], {
      env: {...pulse.env, PULSE_SOURCE: pulse.monitor},
    })
    expect(sender.exitCode, sender.stderr).toBe(0)
    for (const line of sender.stdout.trim().split('\n')) expect(() => JSON.parse(line), line).not.toThrow()
    expect((await receiver).exitCode).toBe(0)
    player.kill()
    const recorded = decodeWav(readFileSync(path)).pcm
    // Opening PortAudio's ALSA→PulseAudio capture takes about a second here; the rest of the 5 s must have arrived.
    expect(recorded.length / 2 / SAMPLE_RATE).toBeGreaterThan(2.5)
    const heard = audibleSpan(recorded)
    expect(heard.length / 2 / SAMPLE_RATE).toBeGreaterThan(1)
    expect(dominantFrequency(heard, [330, 440, 660, 1000])).toBe(660)
  })
})
