import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {FRAME_BYTES, SAMPLE_RATE} from '../../src/media/audio/format.js'
import {ToneGenerator} from '../../src/media/audio/tone.js'
import {decodeWav, encodeWav} from '../../src/media/audio/wav.js'
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

/**
 * Record the null sink's monitor as 48 kHz mono s16le until stopped. `recording` resolves with its first bytes: a
 * monitor streams silence from the moment parec is connected, so anything played after that is heard whole (on a
 * loaded host parec took longer to connect than a 3 s stream lasted).
 */
function recordMonitor() {
  if (spawnSync('parec', ['--version']).error) throw new Error('parec is not installed: run `sudo apt-get install -y pulseaudio-utils`')
  const parec = spawn('parec', ['-d', pulse.monitor, '--rate=48000', '--channels=1', '--format=s16le', '--latency-msec=20'], {env: {...process.env, ...pulse.env}})
  const chunks: Buffer[] = []
  parec.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
  const recording = new Promise<void>((resolve, reject) => {
    parec.stdout.once('data', () => resolve())
    parec.once('exit', (code) => reject(new Error(`parec exited (${code}) before recording`)))
  })
  return {
    recording,
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
    await recorder.recording
    const {receiver, port} = await listen(['--sink', 'speaker', '--device', 'pulse'], {...pulse.env, PULSE_SINK: pulse.sink})
    // A file of exactly 150 frames (3 s) of 1 kHz: the sender ends when it is sent, the receiver on its end-of-stream.
    const file = join(dir, 'tone-1000.wav')
    const tone = new ToneGenerator(1000)
    writeFileSync(file, encodeWav(Buffer.concat(Array.from({length: 150}, (_, index) => tone.frame(index)))))
    const sender = await runCli(['stream-audio', '--to', `127.0.0.1:${port}`, '--source', 'file', '--file', file])
    expect(sender.exitCode, sender.stderr).toBe(0)
    const result = await receiver
    expect(result.exitCode, String(result.stderr)).toBe(0)
    // naudiodon's C code prints to stdout; it runs in a helper process, so our stdout is JSON lines only.
    for (const line of String(result.stdout).trim().split('\n')) expect(() => JSON.parse(line), line).not.toThrow()
    const summary = JSON.parse(String(result.stdout).trim().split('\n').at(-1)!)
    expect(summary.sink).toMatchObject({sink: 'speaker', device: 'pulse'})
    const monitor = await recorder.stop()
    const heard = audibleSpan(monitor)
    // What to look at when it fails: the receiver's summary (its sink's frames, drops and queue) and what the monitor heard.
    const seen = `${heard.length / FRAME_BYTES} frames audible of ${monitor.length / FRAME_BYTES} recorded; receiver: ${JSON.stringify(summary)}`
    expect(medianFrequency(heard), seen).toBeGreaterThan(990)
    expect(medianFrequency(heard), seen).toBeLessThan(1010)
    // The monitor heard the whole stream: every frame but those the jitter buffer skipped (counted), give or take the
    // quiet edges of the span (an underrun on a busy host only adds silence inside it).
    expect(heard.length / FRAME_BYTES, seen).toBeGreaterThanOrEqual(150 - summary.dropped - summary.lost - 3)
  }, 120_000)

  it('captures from the mic source: a tone played into the null sink arrives in the recorded WAV', async () => {
    // Something plays 660 Hz into the null sink; the sender's "microphone" is that sink's monitor.
    // It plays for a minute (killed at the end), so however long capture takes to open, it hears the tone.
    const tone = new ToneGenerator(660, 0.5)
    const pcm = Buffer.concat(Array.from({length: 3000}, (_, index) => tone.frame(index)))
    const player = spawn('pacat', ['-d', pulse.sink, '--rate=48000', '--channels=1', '--format=s16le', '--playback'], {env: {...process.env, ...pulse.env}})
    player.stdin.on('error', () => {})
    player.stdin.end(pcm)
    const path = join(dir, 'mic.wav')
    const {receiver, port} = await listen(['--sink', 'file', '--file', path], {})
    // No --duration: record until the receiver has played 100 frames (2 s), then stop the sender as Ctrl-C would.
    const recorded100 = waitForLine(receiver, 'stdout', (line) => line.includes('"event":"stats"') && JSON.parse(line).played >= 100)
    const sender = startCli(['stream-audio', '--to', `127.0.0.1:${port}`, '--source', 'mic', '--device', 'pulse', '--json', '--log-level', 'debug'], {env: {...pulse.env, PULSE_SOURCE: pulse.monitor}})
    await recorded100
    sender.kill('SIGINT')
    const sent = await sender
    expect(sent.exitCode, String(sent.stderr)).toBe(0)
    // The capture helper left on its own once its pipe closed, not killed after the grace (portaudio-host.ts logs that).
    expect(String(sent.stderr)).not.toContain('the helper did not exit')
    for (const line of String(sent.stdout).trim().split('\n')) expect(() => JSON.parse(line), line).not.toThrow()
    expect((await receiver).exitCode).toBe(0)
    player.kill()
    const recorded = decodeWav(readFileSync(path)).pcm
    expect(recorded.length / FRAME_BYTES).toBeGreaterThanOrEqual(100)
    const heard = audibleSpan(recorded)
    expect(heard.length / 2 / SAMPLE_RATE).toBeGreaterThan(1)
    expect(dominantFrequency(heard, [330, 440, 660, 1000])).toBe(660)
  }, 120_000)
})
