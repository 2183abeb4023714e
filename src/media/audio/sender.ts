import {type Clock, realClock} from '../../foundation/clock.js'
import type {EchoSample, MediaSender} from '../../transport/index.js'
import {type AudioSummary, kbps, LatencyRecord, round} from './summary.js'
import {pcmCodec} from './pcm-codec.js'
import type {AudioCodec, AudioSource} from './types.js'
import {whenAborted} from '../../foundation/abort.js'
import type {RecordTap} from '../record-tap.js'

const ECHO_SAMPLE_US = 200_000

/**
 * The sending audio pipeline: every frame the source captures goes straight to the media transport (which spreads
 * frames over its connections and drops, counted, any that wait too long). It ends when the source ends, `signal`
 * aborts, or the receiver goes away (`peerGone` then says so). The sender's latency figures are half the echoed
 * round trip: the one-way delay it can know without the receiver's help.
 */
export class AudioSenderPipeline {
  readonly #oneWay = new LatencyRecord()
  #frames = 0
  #peerGone = false
  #startUs: number
  #windowFrames = 0
  #windowBytes = 0
  #windowStartUs: number

  constructor(
    private readonly source: AudioSource,
    private readonly sender: MediaSender,
    /** False while the user has audio off in a call. */
    private readonly sending: () => boolean = () => true,
    private readonly clock: Clock = realClock,
    private readonly codec: AudioCodec = pcmCodec,
    /** A recorded call's: each frame sent, stamped with its capture. */
    private readonly record?: RecordTap,
  ) {
    this.#startUs = clock.monotonicUs()
    this.#windowStartUs = this.#startUs
    // Every frame is echoed (50 a second); a sample every 200 ms describes the delay as well and keeps the record
    // bounded for a long call.
    let lastSampleUs = Number.NEGATIVE_INFINITY
    sender.on('echo', (echo: EchoSample) => {
      const nowUs = this.clock.monotonicUs()
      if (nowUs - lastSampleUs < ECHO_SAMPLE_US) return
      lastSampleUs = nowUs
      this.#oneWay.add(echo.rttUs / 2000)
    })
  }

  get peerGone(): boolean {
    return this.#peerGone
  }

  async run(signal: AbortSignal): Promise<void> {
    const stop = new AbortController()
    const onClosed = () => {
      this.#peerGone = true
      stop.abort()
    }

    const stopListening = whenAborted(signal, () => stop.abort())
    this.sender.once('closed', onClosed)
    this.#startUs = this.clock.monotonicUs()
    try {
      for await (const frame of this.source.frames(stop.signal)) {
        // Muted, we still send a frame every 20 ms, of silence: no captured sample leaves the host, and the peer's
        // jitter buffer keeps its clock instead of counting 50 underruns a second.
        // (Opus's DTX makes a silent frame a packet of a byte or two.)
        const payload = this.codec.encode(this.sending() ? frame.pcm : silence(frame.pcm.length))
        const seq = this.sender.send(payload, frame.captureUs)
        this.record?.frame(seq, frame.captureUs, true, payload)
        this.#frames++
        this.#windowFrames++
        this.#windowBytes += payload.length
      }
    } finally {
      stopListening()
      this.sender.off('closed', onClosed)
    }
  }

  interval(): Record<string, unknown> {
    const nowUs = this.clock.monotonicUs()
    const event = {
      event: 'stats',
      role: 'sender',
      codec: this.codec.name,
      frames: this.#frames,
      fps: round(this.#windowFrames / ((nowUs - this.#windowStartUs) / 1e6)),
      kbps: kbps(this.#windowBytes, (nowUs - this.#windowStartUs) / 1e6),
      dropped: this.sender.stats.dropped,
      latencyMs: this.#oneWay.takeRecent(),
      connections: this.sender.stats.openConnections,
    }
    this.#windowFrames = 0
    this.#windowBytes = 0
    this.#windowStartUs = nowUs
    return event
  }

  summary(): AudioSummary {
    const stats = this.sender.stats
    return {
      role: 'sender',
      codec: this.codec.name,
      frames: this.#frames,
      underruns: 0,
      concealed: 0,
      late: 0,
      latencyMs: this.#oneWay.summary(),
      jitterMs: 0,
      kbps: kbps(stats.bytes, (this.clock.monotonicUs() - this.#startUs) / 1e6),
      sent: stats.sent,
      dropped: stats.dropped,
      rttMs: stats.rttUs === undefined ? null : round(stats.rttUs / 1000),
    }
  }
}

export function senderStatsLine(event: Record<string, unknown>): string {
  return `audio tx (${event.codec}): ${event.frames} frames  ${event.fps} fps  ${event.kbps} kbit/s  dropped ${event.dropped}  connections ${event.connections}`
}

let silent = Buffer.alloc(0)
/** A frame of silence; one buffer serves every muted frame (the transport only reads it). */
function silence(bytes: number): Buffer {
  if (silent.length !== bytes) silent = Buffer.alloc(bytes)
  return silent
}
