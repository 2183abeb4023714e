import {loadNodeAv, type NodeAv} from './native.js'

/** A track of the recording: the format its frames come in, as the call negotiated it (media/video/formats.ts, media/audio/stream-formats.ts). */
export type RecordedTrack =
  | {kind: 'video'; format: 'mjpeg' | 'vp8'; width: number; height: number}
  /** `parameterSets`: the SPS and PPS of the stream's first keyframe (h264ParameterSets), which Matroska's header needs. */
  | {kind: 'video'; format: 'h264'; width: number; height: number; parameterSets: Buffer} | {kind: 'audio'; format: 'opus' | 'pcm-s16le'}

/** The formats a recording takes as they are; `raw` video (no container codec for its own header) is left out of it. */
export const RECORDABLE_FORMATS: ReadonlySet<string> = new Set(['mjpeg', 'h264', 'vp8', 'opus', 'pcm-s16le'])

/** Matroska counts time in milliseconds. */
const TIME_BASE_MS = 1000
/** Audio comes in 20 ms frames of 48 kHz mono (docs/protocol.md, "Media"). */
const AUDIO_RATE = 48_000
const AUDIO_FRAME_MS = 20

/**
 * One Matroska file, written through node-av's muxer (FFmpeg's matroska muxer, in-process): the encoded frames as
 * they came, no re-encode. H.264 is Annex B with its parameter sets in band (h264-codec.ts), which Matroska players
 * read as it is; Opus gets the 19-byte OpusHead (RFC 7845 §5.1) FFmpeg's demuxer expects; PCM is A_PCM/INT/LIT.
 * Each track's timestamps must not go back (the muxer refuses that): a frame stamped at or before the last one of its
 * track is written one millisecond after it. Packets go through the muxer's interleaving, so the tracks may arrive in
 * any order within its window. `close` writes the trailer (the cues and the duration ffprobe reads) and closes the file.
 */
export class MatroskaWriter {
  readonly #av: NodeAv
  readonly #context: InstanceType<NodeAv['FormatContext']>
  readonly #packet: InstanceType<NodeAv['Packet']>
  readonly #lastMs: number[]
  #closed = false

  private constructor(av: NodeAv, context: InstanceType<NodeAv['FormatContext']>, tracks: number) {
    this.#av = av
    this.#context = context
    this.#packet = new av.Packet()
    this.#packet.alloc()
    this.#lastMs = Array.from({length: tracks}, () => -1)
  }

  /** Open `path` (created or truncated) with one track each of `tracks`, in that order, and write the header. */
  static async open(path: string, tracks: RecordedTrack[]): Promise<MatroskaWriter> {
    const av = loadNodeAv()
    const context = new av.FormatContext()
    check(context.allocOutputContext2(null, 'matroska', path), `open a Matroska muxer for ${path}`)
    for (const track of tracks) {
      const stream = context.newStream(null)
      stream.timeBase = new av.Rational(1, TIME_BASE_MS)
      const par = stream.codecpar
      if (track.kind === 'video') {
        par.codecType = av.AVMEDIA_TYPE_VIDEO
        par.codecId = {h264: av.AV_CODEC_ID_H264, vp8: av.AV_CODEC_ID_VP8, mjpeg: av.AV_CODEC_ID_MJPEG}[track.format]
        if (track.format === 'h264') par.extradata = track.parameterSets
        par.width = track.width
        par.height = track.height
      } else {
        par.codecType = av.AVMEDIA_TYPE_AUDIO
        par.codecId = track.format === 'opus' ? av.AV_CODEC_ID_OPUS : av.AV_CODEC_ID_PCM_S16LE
        par.sampleRate = AUDIO_RATE
        par.channelLayout = av.AV_CHANNEL_LAYOUT_MONO
        if (track.format === 'opus') par.extradata = opusHead()
        else par.bitsPerCodedSample = 16
      }
    }

    check(await context.openOutput(), `open ${path} for writing`)
    const writer = new MatroskaWriter(av, context, tracks.length)
    check(await context.writeHeader(null), `write the Matroska header of ${path}`)
    return writer
  }

  /** One frame of track `index` at `ms` since the recording's start. */
  async write(index: number, ms: number, key: boolean, payload: Buffer): Promise<void> {
    if (this.#closed) return
    const at = Math.max(Math.round(ms), this.#lastMs[index] + 1)
    this.#lastMs[index] = at
    const packet = this.#packet
    packet.data = payload
    packet.streamIndex = index
    packet.pts = BigInt(at)
    packet.dts = BigInt(at)
    packet.timeBase = new this.#av.Rational(1, TIME_BASE_MS)
    const audio = this.#context.streams[index].codecpar.codecType === this.#av.AVMEDIA_TYPE_AUDIO
    if (audio) packet.duration = BigInt(AUDIO_FRAME_MS)
    packet.isKeyframe = key || audio
    const written = await this.#context.interleavedWriteFrame(packet)
    packet.unref()
    check(written, 'write a frame to the recording')
  }

  /** The last timestamp written to each track, ms since the start (-1: none yet). */
  get lastMs(): readonly number[] {
    return this.#lastMs
  }

  /** Flush what the muxer holds, write the trailer and close the file; once. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    check(await this.#context.interleavedWriteFrame(null), 'flush the recording')
    check(await this.#context.writeTrailer(), 'finish the recording')
    await this.#context.closeOutput()
    this.#context.freeContext()
    this.#packet.free()
  }
}

/**
 * The SPS and PPS NAL units of an Annex B access unit, each behind a 4-byte start code (what FFmpeg's Matroska muxer
 * turns into the track's avcC); empty when it has none (not a keyframe).
 */
export function h264ParameterSets(accessUnit: Buffer): Buffer {
  const starts: Array<{at: number; nal: number}> = []
  for (let i = 0; i + 3 <= accessUnit.length; i++) {
    if (accessUnit[i] === 0 && accessUnit[i + 1] === 0 && accessUnit[i + 2] === 1) {
      starts.push({at: i, nal: i + 3})
      i += 2
    }
  }

  const sets: Buffer[] = []
  for (const [n, {nal}] of starts.entries()) {
    const type = (accessUnit[nal] ?? 0) & 0x1f
    if (type !== 7 && type !== 8) continue
    // A NAL ends where the next start code (3 bytes, or 4 with a leading zero) begins.
    let end = n + 1 < starts.length ? starts[n + 1].at : accessUnit.length
    if (end > nal && n + 1 < starts.length && accessUnit[end - 1] === 0) end--
    sets.push(START_CODE, accessUnit.subarray(nal, end))
  }

  return Buffer.concat(sets)
}

const START_CODE = Buffer.from([0, 0, 0, 1])

/** OpusHead for one channel at 48 kHz, no pre-skip, no gain, mapping family 0 (RFC 7845 §5.1). */
function opusHead(): Buffer {
  const head = Buffer.alloc(19)
  head.write('OpusHead', 0, 'ascii')
  head.writeUInt8(1, 8)
  head.writeUInt8(1, 9)
  head.writeUInt16LE(0, 10)
  head.writeUInt32LE(AUDIO_RATE, 12)
  head.writeInt16LE(0, 16)
  head.writeUInt8(0, 18)
  return head
}

function check(code: number, what: string): void {
  if (code < 0) throw new Error(`${what}: FFmpeg error ${code}`)
}
