/**
 * The page's audio output, on the audio thread (an AudioWorklet, loaded by audio-out.ts): 20 ms frames of 48 kHz
 * mono s16le PCM come in over the port and play in order. The buffer is small: past MAX_FRAMES waiting, the oldest is
 * dropped, so audio stays near live instead of drifting behind; when it runs dry it plays silence. Every frame taken
 * is counted and the count posted back (the page shows it for the browser test).
 */
declare class AudioWorkletProcessor {
  readonly port: MessagePort
}
declare function registerProcessor(name: string, processor: new () => AudioWorkletProcessor): void

/** 60 ms: three frames. */
const MAX_FRAMES = 3

class PcmPlayer extends AudioWorkletProcessor {
  #queue: Float32Array[] = []
  /** How far into the queue's first frame playing has got. */
  #offset = 0
  #received = 0
  #dropped = 0

  constructor() {
    super()
    this.port.onmessage = (event: MessageEvent<ArrayBuffer>) => {
      const pcm = new Int16Array(event.data)
      const samples = new Float32Array(pcm.length)
      for (let i = 0; i < pcm.length; i++) samples[i] = pcm[i] / 32_768
      this.#queue.push(samples)
      if (this.#queue.length > MAX_FRAMES) {
        this.#queue.shift()
        this.#offset = 0
        this.#dropped++
      }

      this.#received++
      this.port.postMessage({received: this.#received, dropped: this.#dropped})
    }
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const output = outputs[0]
    const channel = output?.[0]
    if (!channel) return true
    let written = 0
    while (written < channel.length && this.#queue.length > 0) {
      const frame = this.#queue[0]
      const count = Math.min(channel.length - written, frame.length - this.#offset)
      channel.set(frame.subarray(this.#offset, this.#offset + count), written)
      written += count
      this.#offset += count
      if (this.#offset === frame.length) {
        this.#queue.shift()
        this.#offset = 0
      }
    }

    channel.fill(0, written)
    for (let c = 1; c < output.length; c++) output[c].set(channel)
    return true
  }
}

registerProcessor('ivc-pcm', PcmPlayer)
