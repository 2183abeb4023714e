/** ivc's audio format (src/media/audio/format.ts): the AudioContext runs at it, so nothing resamples. */
const SAMPLE_RATE = 48_000

/**
 * The peer's audio in the page: an AudioContext at 48 kHz with the PCM player worklet (audio-worklet.ts), started at
 * the first frame. A browser starts audio only after a gesture on the page; any click or key resumes it. How many
 * frames the worklet has taken is in `document.body.dataset.audioFrames`.
 */
export class AudioOut {
  #context: AudioContext | undefined
  #node: AudioWorkletNode | undefined

  constructor(private readonly workletUrl: string) {
    const resume = () => void this.#context?.resume().catch(() => undefined)
    document.addEventListener('click', resume)
    document.addEventListener('keydown', resume)
  }

  /** One 20 ms frame of PCM; dropped until the worklet is loaded. */
  play(pcm: Uint8Array): void {
    if (!this.#context) this.#start()
    if (!this.#node) return
    // A copy of its own, handed over to the audio thread without another.
    const frame = pcm.slice().buffer
    this.#node.port.postMessage(frame, [frame])
  }

  #start(): void {
    const context = new AudioContext({sampleRate: SAMPLE_RATE, latencyHint: 'interactive'})
    this.#context = context
    context.audioWorklet
      .addModule(this.workletUrl)
      .then(() => {
        const node = new AudioWorkletNode(context, 'ivc-pcm', {numberOfInputs: 0, outputChannelCount: [1]})
        node.port.onmessage = (event: MessageEvent<{received: number; dropped: number}>) => {
          document.body.dataset.audioFrames = String(event.data.received)
        }
        node.connect(context.destination)
        this.#node = node
      })
      .catch(() => (document.body.dataset.audio = 'failed'))
  }
}
