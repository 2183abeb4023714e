import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, afterEach, describe, expect, it} from 'vitest'

import {FRAME_BYTES} from '../../src/media/audio/format.js'
import {ContinuityChecker, type ContinuityReport, ToneGenerator} from '../../src/media/audio/tone.js'
import {decodeWav, encodeWav} from '../../src/media/audio/wav.js'
import {killAll, runCli, startCli, waitForLine} from '../support/cli.js'
import {audibleSpan, dominantFrequency, medianFrequency} from './pcm-analysis.js'

const dir = mkdtempSync(join(tmpdir(), 'ivc-audio-sinks-'))
afterEach(killAll)
afterAll(() => rmSync(dir, {recursive: true, force: true}))

/** A WAV file of `frames` frames of a tone at `frequency` (the file source sends exactly these, then ends the stream). */
function toneFile(name: string, frames: number, frequency: number): string {
  const path = join(dir, name)
  const tone = new ToneGenerator(frequency)
  writeFileSync(path, encodeWav(Buffer.concat(Array.from({length: frames}, (_, index) => tone.frame(index)))))
  return path
}

/**
 * Start a receiver with `sink` (no --duration), send the WAV file `path`; the receiver ends on the sender's
 * end-of-stream, however long either took to start. Returns the receiver's summary.
 */
async function streamFile(sink: string[], path: string, env: Record<string, string> = {}) {
  const receiver = startCli(['stream-audio', '--listen', '--port', '0', '--json', ...sink], {env})
  const port = JSON.parse(await waitForLine(receiver, 'stdout', (line) => line.includes('"listening"'))).port
  const sender = await runCli(['stream-audio', '--to', `127.0.0.1:${port}`, '--source', 'file', '--file', path])
  expect(sender.exitCode, sender.stderr).toBe(0)
  const result = await receiver
  expect(result.exitCode, String(result.stderr)).toBe(0)
  return JSON.parse(String(result.stdout).trim().split('\n').at(-1)!)
}

/** Frames of a stream of `total` (marked 0..total-1) that never reached the sink: gaps, and any cut at either end. */
function skipped(report: ContinuityReport, total: number): number {
  if (report.firstIndex === undefined || report.lastIndex === undefined) return total
  return report.firstIndex + report.missing + (total - 1 - report.lastIndex)
}

describe('audio sinks', () => {
  it('plays the tone through ffplay: the SDL disk driver\'s output has the tone\'s frequency and length', async () => {
    if (spawnSync('ffplay', ['-version']).error) throw new Error('ffplay is not installed: run `sudo apt-get install -y ffmpeg`')
    const played = join(dir, 'ffplay-disk.raw')
    const summary = await streamFile(['--sink', 'ffplay'], toneFile('tone-1000.wav', 150, 1000), {SDL_AUDIODRIVER: 'disk', SDL_DISKAUDIOFILE: played})
    expect(summary.sink).toMatchObject({sink: 'ffplay', dropped: 0})
    // Every frame of the file was played, except any the jitter buffer skipped (counted) to cut delay; what ffplay
    // got is those plus the concealment frames a busy host's underruns put in their place.
    expect(summary.played + summary.dropped + summary.lost).toBe(150)
    expect(summary.sink.frames).toBe(summary.played + summary.concealed)
    // ffplay's exit status says little; what it wrote to the "device" says what it played: the tone, all of it.
    const tone = audibleSpan(readFileSync(played))
    expect(medianFrequency(tone)).toBeGreaterThan(995)
    expect(medianFrequency(tone)).toBeLessThan(1005)
    // It played every frame it was given (the edges of the span lose a frame's quiet start and end at most; an
    // underrun on a busy host only adds silence inside it).
    expect(tone.length / FRAME_BYTES).toBeGreaterThanOrEqual(summary.played - 3)
  }, 120_000)

  it('records the stream to a WAV file that holds every frame of the tone, in order', async () => {
    const path = join(dir, 'recorded.wav')
    const summary = await streamFile(['--sink', 'file', '--file', path], toneFile('tone-440.wav', 100, 440))
    const wav = decodeWav(readFileSync(path))
    expect(wav).toMatchObject({sampleRate: 48_000, channels: 1})
    expect(wav.pcm.length / FRAME_BYTES).toBe(summary.sink.frames)
    const checker = new ContinuityChecker()
    for (let offset = 0; offset < wav.pcm.length; offset += FRAME_BYTES) checker.check(wav.pcm.subarray(offset, offset + FRAME_BYTES))
    // Every one of the 100 frames sent is in the file, in order, unless the jitter buffer skipped it (counted; the first
    // or last frame too, which then shows as a later first or an earlier last index rather than a gap).
    expect(checker.report.backwards).toBe(0)
    expect(skipped(checker.report, 100)).toBe(summary.dropped + summary.lost)
    expect(checker.report.marked + summary.dropped + summary.lost).toBe(100)
    expect(dominantFrequency(wav.pcm, [220, 440, 880])).toBe(440)
  }, 120_000)

  it('sends a WAV file with the file source', async () => {
    const summary = await streamFile(['--sink', 'null'], toneFile('tone.wav', 60, 440))
    // Every frame of the file reached the sink in order, except any the jitter buffer skipped (counted): to cut delay,
    // or given up on when it did not come in time (a busy host).
    expect(summary.sink.continuity.backwards).toBe(0)
    expect(skipped(summary.sink.continuity, 60)).toBe(summary.dropped + summary.lost)
    expect(summary.sink.continuity.marked + summary.dropped + summary.lost).toBe(60)
  }, 120_000)
})
