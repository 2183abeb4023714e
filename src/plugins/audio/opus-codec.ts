import {FRAME_BYTES, FRAME_SAMPLES, SAMPLE_RATE} from '../../media/audio/format.js'
import type {AudioCodec} from '../../media/audio/types.js'
import {loadNodeAv, type NodeAv} from '../native.js'

/** Opus's bitrate for ivc's voice: well inside the 24–48 kbit/s that carries speech at full band. */
export const OPUS_KBPS = 32
/** The largest Opus packet RFC 6716 allows for one frame; a receiver refuses anything longer. */
export const MAX_OPUS_PACKET_BYTES = 1275

/**
 * Opus through node-av (FFmpeg's libopus wrapper, in-process): one 20 ms frame of the ivc format (48 kHz mono s16le)
 * to one packet and back. The encoder runs for voice (`voip`) at OPUS_KBPS with in-band FEC (tuned for 10 % loss) and
 * DTX, so silence — a muted microphone sends it — costs a few bytes a frame.
 * `conceal()` gives the frame in place of a missing one from the decoder itself (libopus's packet-loss concealment,
 * which carries the voice's pitch on and fades it), by handing it the shortest packet there is: a TOC byte with no
 * frame, which libopus decodes as a lost frame. FFmpeg's decoder takes no empty packet (that means "drain") and has
 * no way to ask for the FEC copy in the next packet, so the FEC the encoder sends is for receivers with libopus of
 * their own; ivc's receiver conceals.
 * node-av 6.1.1 crashes (SIGSEGV, a bad free() in a finalizer, at the latest when the process exits) once a Dictionary
 * given to open2Sync is collected, and once a Buffer given to Frame.fromBuffer is: the encoder's options are set on
 * its context instead, and samples are copied into the frame's own plane. Frames, packets and contexts are made once.
 */
export class OpusCodec implements AudioCodec {
  readonly name = 'opus'
  readonly #encoding: InstanceType<NodeAv['CodecContext']>
  readonly #decoding: InstanceType<NodeAv['CodecContext']>
  readonly #frame: InstanceType<NodeAv['Frame']>
  readonly #decoded: InstanceType<NodeAv['Frame']>
  readonly #packet: InstanceType<NodeAv['Packet']>
  readonly #input: InstanceType<NodeAv['Packet']>
  #pts = 0n
  /** The TOC byte of the last packet decoded: a lost frame is concealed in the same mode and bandwidth. */
  #toc = 0x08

  constructor(kbps = OPUS_KBPS) {
    const av = loadNodeAv()
    const encoder = av.Codec.findEncoderByName(av.FF_ENCODER_LIBOPUS)!
    this.#encoding = new av.CodecContext()
    this.#encoding.allocContext3(encoder)
    this.#encoding.sampleRate = SAMPLE_RATE
    this.#encoding.channelLayout = av.AV_CHANNEL_LAYOUT_MONO
    this.#encoding.sampleFormat = av.AV_SAMPLE_FMT_S16
    this.#encoding.bitRate = BigInt(kbps * 1000)
    this.#encoding.timeBase = new av.Rational(1, SAMPLE_RATE)
    // Set on the context, not passed to open2Sync as a Dictionary (see the class comment).
    for (const [name, value] of Object.entries({application: 'voip', frame_duration: '20', fec: '1', packet_loss: '10', dtx: '1'})) {
      check(this.#encoding.setOption(name, value), `set the Opus encoder's ${name}`)
    }

    check(this.#encoding.open2Sync(encoder, null), 'open the Opus encoder')
    const decoder = av.Codec.findDecoderByName(av.FF_DECODER_LIBOPUS)!
    this.#decoding = new av.CodecContext()
    this.#decoding.allocContext3(decoder)
    this.#decoding.sampleRate = SAMPLE_RATE
    this.#decoding.channelLayout = av.AV_CHANNEL_LAYOUT_MONO
    this.#decoding.sampleFormat = av.AV_SAMPLE_FMT_S16
    check(this.#decoding.open2Sync(decoder, null), 'open the Opus decoder')
    this.#frame = new av.Frame()
    this.#frame.alloc()
    this.#frame.nbSamples = FRAME_SAMPLES
    this.#frame.format = av.AV_SAMPLE_FMT_S16
    this.#frame.sampleRate = SAMPLE_RATE
    this.#frame.channelLayout = av.AV_CHANNEL_LAYOUT_MONO
    check(this.#frame.getBuffer(0), 'allocate an audio frame')
    this.#decoded = new av.Frame()
    this.#decoded.alloc()
    this.#packet = new av.Packet()
    this.#packet.alloc()
    this.#input = new av.Packet()
    this.#input.alloc()
  }

  fits(bytes: number): boolean {
    return bytes >= 1 && bytes <= MAX_OPUS_PACKET_BYTES
  }

  /** One 20 ms frame (FRAME_BYTES of PCM) to one Opus packet. */
  encode(pcm: Buffer): Buffer {
    if (pcm.length !== FRAME_BYTES) throw new Error(`an Opus frame is ${FRAME_BYTES} bytes of PCM, not ${pcm.length}`)
    // The encoder may still hold the last frame's buffer: writable first (a copy only if it does).
    check(this.#frame.makeWritable(), 'make the audio frame writable')
    pcm.copy(this.#frame.data![0])
    this.#frame.pts = this.#pts
    this.#pts += BigInt(FRAME_SAMPLES)
    check(this.#encoding.sendFrameSync(this.#frame), 'encode an Opus frame')
    check(this.#encoding.receivePacketSync(this.#packet), 'take the Opus packet')
    const packet = Buffer.from(this.#packet.data!)
    this.#packet.unref()
    return packet
  }

  /** One Opus packet back to FRAME_BYTES of PCM; throws on a packet that is not Opus or not 20 ms. */
  decode(payload: Buffer): Buffer {
    if (!this.fits(payload.length)) throw new Error(`an Opus packet of ${payload.length} bytes`)
    const pcm = this.#decode(payload)
    this.#toc = payload[0]
    return pcm
  }

  /** The frame in place of a missing one: the decoder's own concealment (see the class comment). */
  conceal(): Buffer {
    // Code 0 (one frame) in the last packet's mode: with no frame bytes after it, libopus conceals one frame.
    return this.#decode(Buffer.of(this.#toc & 0xfc))
  }

  #decode(payload: Buffer): Buffer {
    this.#input.data = payload
    const sent = this.#decoding.sendPacketSync(this.#input)
    this.#input.unref()
    check(sent, 'decode an Opus packet')
    check(this.#decoding.receiveFrameSync(this.#decoded), 'take the decoded frame')
    const samples = this.#decoded.nbSamples
    const pcm = Buffer.from(this.#decoded.data![0].subarray(0, samples * 2))
    this.#decoded.unref()
    if (pcm.length !== FRAME_BYTES) throw new Error(`an Opus packet of ${samples} samples, not one 20 ms frame`)
    return pcm
  }
}

function check(code: number, what: string): void {
  if (code < 0) throw new Error(`${what}: FFmpeg error ${code}`)
}
