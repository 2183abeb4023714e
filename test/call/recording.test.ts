import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {createConnection, createServer, type Server, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {execa} from 'execa'
import {describe, expect, it} from 'vitest'

import {describeCallEvent, describeSummary} from '../../src/call/render.js'
import {CallRecording} from '../../src/call/recording.js'
import {realClock} from '../../src/foundation/clock.js'
import {RecordTap, recordSocketPath} from '../../src/media/record-tap.js'
import {probeNodeAv, probeNodeAvVp8} from '../../src/plugins/native.js'
import {SyntheticSource} from '../../src/plugins/video/synthetic-source.js'
import {Vp8Codec} from '../../src/plugins/video/vp8-codec.js'
import {h264ParameterSets} from '../../src/plugins/matroska-writer.js'
import {recordingLogger} from '../support/logger.js'

const hex = (text: string) => Buffer.from(text.replaceAll(' ', ''), 'hex')

describe('h264ParameterSets', () => {
  it('takes the SPS and PPS of an Annex B access unit, each behind a 4-byte start code, and nothing else', () => {
    // AUD (type 9, 3-byte start code), SPS (7), PPS (8, 3-byte start code), IDR slice (5).
    const unit = hex('00000001 09f0  00000001 6742c014aa  000001 68ce3c80  00000001 6588840021')
    expect(h264ParameterSets(unit)).toEqual(hex('00000001 6742c014aa 00000001 68ce3c80'))
  })

  it('is empty for a frame without them (not a keyframe)', () => {
    expect(h264ParameterSets(hex('00000001 419a2244'))).toEqual(Buffer.alloc(0))
    expect(h264ParameterSets(Buffer.alloc(0))).toEqual(Buffer.alloc(0))
  })
})

describe('the recording lines', () => {
  it('says who records: the peer, or we (with the file); and the summary says it too', () => {
    expect(describeCallEvent('call.recording', {peer: 'alice', on: true, by: 'alice'})).toBe('alice is recording this call')
    expect(describeCallEvent('call.recording', {peer: 'bob', on: true, by: 'alice', file: '/tmp/c.mkv'})).toBe('recording this call to /tmp/c.mkv; bob is told')
    const summary = {callId: 'c1', peer: 'alice', role: 'callee', durationS: 3, endReason: 'hung up', endCode: 'hangup', recording: {by: 'alice'}}
    expect(describeSummary(summary)).toMatch(/; recorded by alice\n$/)
  })
})

describe('RecordTap', () => {
  it('writes nothing while no recorder listens, connects when one appears (onConnect), and again after it closed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ivc-tap-'))
    const path = recordSocketPath(dir, 'sent-audio')
    let nowUs = 0
    const tap = new RecordTap(path, {...realClock, monotonicUs: () => nowUs})
    let connects = 0
    tap.onConnect(() => connects++)
    const received: Buffer[] = []
    const accepted = new Set<Socket>()
    const listen = () =>
      new Promise<Server>((resolve) => {
        const server = createServer((socket) => {
          accepted.add(socket)
          socket.on('data', (chunk) => received.push(chunk))
        })
        server.listen(path, () => resolve(server))
      })
    // The recorder stops: it closes its connections and its socket.
    const stop = (server: Server) => {
      for (const socket of accepted) socket.destroy()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    }
    const connected = () => new Promise<void>((resolve) => tap.onConnect(() => resolve(void connects++)))
    try {
      tap.frame(0, 0, true, Buffer.from('lost'))
      let server = await listen()
      // Looked for the socket less than a quarter second ago: not yet.
      nowUs = 100_000
      tap.frame(1, nowUs, true, Buffer.from('lost too'))
      nowUs = 300_000
      let up = connected()
      tap.frame(2, nowUs, true, Buffer.from('first'))
      await up
      await stop(server)
      server = await listen()
      nowUs = 600_000
      up = connected()
      // Until the tap sees the old connection closed, it may write there; then it finds the new recorder.
      for (let seq = 3; !(await Promise.race([up.then(() => true), new Promise<false>((resolve) => setImmediate(() => resolve(false)))])); seq++) {
        nowUs += 300_000
        tap.frame(seq, nowUs, true, Buffer.from('again'))
      }

      expect(connects).toBe(2)
      expect(Buffer.concat(received).includes('lost')).toBe(false)
      tap.close()
      await stop(server)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})

describe.skipIf(!probeNodeAv().ok)('CallRecording', () => {
  it('muxes what a tap hands it, timed by the stamps, finishes the file at stop, and shrugs off a bad socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ivc-recording-'))
    try {
      const file = join(dir, 'audio.mkv')
      const logger = recordingLogger()
      const recording = await CallRecording.open(file, dir, logger, realClock)
      recording.begin({'sent-audio': {format: 'pcm-s16le'}})
      // A stream the call does not have: its socket is there, its frames are ignored.
      const stray = new RecordTap(recordSocketPath(recording.directory, 'received-video'))
      stray.frame(0, 1_000_000, true, Buffer.from('not a jpeg'))
      // Garbage on a socket closes that socket only.
      const garbage = createConnection(recordSocketPath(recording.directory, 'received-audio'))
      garbage.on('error', () => undefined)
      garbage.end(Buffer.alloc(64, 0xff))
      const tap = new RecordTap(recordSocketPath(recording.directory, 'sent-audio'))
      const pcm = Buffer.alloc(1920)
      // 100 frames of 20 ms, stamped 20 ms apart from an arbitrary instant: 2 s of audio.
      for (let seq = 0; seq < 100; seq++) tap.frame(seq, 5_000_000 + seq * 20_000, true, pcm)
      tap.close()
      stray.close()
      const result = await recording.stop(true)
      // The call's directory is the caller's: the recorder leaves it (the session removes it at the call's end).
      expect(existsSync(dir)).toBe(true)
      expect(result).toEqual({file, durationMs: 2000, streams: ['sent-audio']})
      const probed = await execa('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'format=duration:stream=codec_name,nb_read_frames', '-of', 'json', file])
      const json = JSON.parse(probed.stdout) as {streams: Array<{codec_name: string; nb_read_frames: string}>; format: {duration: string}}
      expect(json.streams).toEqual([{codec_name: 'pcm_s16le', nb_read_frames: '100'}])
      expect(Number(json.format.duration)).toBeCloseTo(2, 2)
      expect(logger.lines.some((line) => line.includes('the received-audio socket got a bad message'))).toBe(true)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  }, 30_000)
})

describe.skipIf(!probeNodeAvVp8().ok)('CallRecording of VP8', () => {
  it('starts a VP8 track at its first keyframe: a frame before it is left out, every one after is in the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ivc-recording-'))
    try {
      const file = join(dir, 'vp8.mkv')
      const recording = await CallRecording.open(file, dir, recordingLogger(), realClock)
      recording.begin({'received-video': {format: 'vp8', width: 160, height: 120}})
      const codec = new Vp8Codec(30)
      const source = new SyntheticSource(160, 120)
      // The encoder's first frame is a keyframe, the rest refer back to it.
      const frames: Buffer[] = []
      for (let index = 0; index < 10; index++) frames.push(await codec.encode((await source.read())!))
      const tap = new RecordTap(recordSocketPath(recording.directory, 'received-video'))
      // A frame that arrives before any keyframe (a receiver that joined late) has nothing to decode from.
      tap.frame(100, 1_000_000, false, frames[1])
      for (const [index, payload] of frames.entries()) tap.frame(index, 1_000_000 + (index + 1) * 33_333, index === 0, payload)
      tap.close()
      const result = await recording.stop(true)
      expect(result?.streams).toEqual(['received-video'])
      const probed = await execa('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'json', file])
      expect(JSON.parse(probed.stdout).streams).toEqual([{codec_name: 'vp8', width: 160, height: 120, nb_read_frames: '10'}])
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  }, 30_000)
})
