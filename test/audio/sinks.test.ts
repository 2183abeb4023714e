import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, afterEach, describe, expect, it} from 'vitest'

import {FRAME_BYTES, SAMPLE_RATE} from '../../src/media/audio/format.js'
import {ContinuityChecker, ToneGenerator} from '../../src/media/audio/tone.js'
import {decodeWav, encodeWav} from '../../src/media/audio/wav.js'
import {killAll, runCli, startCli, waitForLine} from '../support/cli.js'
import {audibleSpan, dominantFrequency, medianFrequency} from './pcm-analysis.js'

const dir = mkdtempSync(join(tmpdir(), 'ivc-audio-sinks-'))
afterEach(killAll)
afterAll(() => rmSync(dir, {recursive: true, force: true}))

/** Start a receiver with `sink`, send `seconds` of a tone at `frequency`, return the receiver's summary. */
async function streamTone(sink: string[], seconds: number, frequency: number, env: Record<string, string> = {}) {
  const receiver = startCli(['stream-audio', '--listen', '--port', '0', '--json', ...sink], {env})
  const port = JSON.parse(await waitForLine(receiver, 'stdout', (line) => line.includes('"listening"'))).port
  const sender = await runCli(['stream-audio', '--to', `127.0.0.1:${port}`, '--frequency', String(frequency), '--duration', String(seconds)])
  expect(sender.exitCode, sender.stderr).toBe(0)
  const result = await receiver
  expect(result.exitCode, String(result.stderr)).toBe(0)
  return JSON.parse(String(result.stdout).trim().split('\n').at(-1)!)
}

describe('audio sinks', () => {
  it('plays the tone through ffplay: the SDL disk driver\'s output has the tone\'s frequency and length', async () => {
    if (spawnSync('ffplay', ['-version']).error) throw new Error('ffplay is not installed: run `sudo apt-get install -y ffmpeg`')
    const played = join(dir, 'ffplay-disk.raw')
    const summary = await streamTone(['--sink', 'ffplay'], 3, 1000, {SDL_AUDIODRIVER: 'disk', SDL_DISKAUDIOFILE: played})
    expect(summary.sink).toMatchObject({sink: 'ffplay', dropped: 0})
    // ffplay's exit status says little; what it wrote to the "device" says what it played.
    const tone = audibleSpan(readFileSync(played))
    expect(medianFrequency(tone)).toBeGreaterThan(995)
    expect(medianFrequency(tone)).toBeLessThan(1005)
    const seconds = tone.length / 2 / SAMPLE_RATE
    expect(seconds).toBeGreaterThan(2.8)
    expect(seconds).toBeLessThan(3.3)
  })

  it('records the stream to a WAV file that holds every frame of the tone, in order', async () => {
    const path = join(dir, 'recorded.wav')
    const summary = await streamTone(['--sink', 'file', '--file', path], 2, 440)
    const wav = decodeWav(readFileSync(path))
    expect(wav).toMatchObject({sampleRate: 48_000, channels: 1})
    expect(wav.pcm.length / FRAME_BYTES).toBe(summary.sink.frames)
    const checker = new ContinuityChecker()
    for (let offset = 0; offset < wav.pcm.length; offset += FRAME_BYTES) checker.check(wav.pcm.subarray(offset, offset + FRAME_BYTES))
    expect(checker.report).toMatchObject({firstIndex: 0, backwards: 0, missing: summary.dropped + summary.lost})
    expect(checker.report.marked).toBeGreaterThanOrEqual(95)
    expect(dominantFrequency(wav.pcm, [220, 440, 880])).toBe(440)
  })

  it('sends a WAV file with the file source', async () => {
    const path = join(dir, 'tone.wav')
    const tone = new ToneGenerator(440)
    writeFileSync(path, encodeWav(Buffer.concat(Array.from({length: 60}, (_, index) => tone.frame(index)))))
    const receiver = startCli(['stream-audio', '--listen', '--port', '0', '--sink', 'null', '--json'])
    const port = JSON.parse(await waitForLine(receiver, 'stdout', (line) => line.includes('"listening"'))).port
    const sender = await runCli(['stream-audio', '--to', `127.0.0.1:${port}`, '--source', 'file', '--file', path])
    expect(sender.exitCode, sender.stderr).toBe(0)
    const summary = JSON.parse(String((await receiver).stdout).trim().split('\n').at(-1)!)
    // Every frame of the file reached the sink in order, except any the jitter buffer skipped (counted) to cut delay.
    expect(summary.sink.continuity).toMatchObject({firstIndex: 0, lastIndex: 59, backwards: 0, missing: summary.dropped})
    expect(summary.sink.continuity.marked + summary.dropped).toBe(60)
  })
})
