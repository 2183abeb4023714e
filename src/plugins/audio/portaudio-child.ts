// Run by portaudio-host.ts as a child process: one PortAudio stream (naudiodon) whose PCM goes through fd 3.
// naudiodon's C code printf()s to stdout ("PortAudio V19...", stream options), which no JavaScript can silence;
// in this child stdout goes nowhere that matters, so ivc's own stdout stays data only.
import {Socket} from 'node:net'

import {toIvcError} from '../../foundation/errors.js'
import {CHANNELS, FRAME_BYTES, FRAME_SAMPLES, SAMPLE_RATE} from '../../media/audio/format.js'
import {loadNaudiodon} from '../native.js'

const [direction, deviceId] = process.argv.slice(2)
const pcm = new Socket({fd: 3, readable: direction === 'output', writable: direction === 'input'})
const report = (message: Record<string, unknown>) => process.stderr.write(`@portaudio ${JSON.stringify(message)}\n`)

try {
  // Through PulseAudio's ALSA plugin the default buffer is about 2 s; ask for real-time latency instead.
  process.env.PULSE_LATENCY_MSEC ??= '20'
  const portAudio = loadNaudiodon()
  const options = {channelCount: CHANNELS, sampleFormat: portAudio.SampleFormat16Bit, sampleRate: SAMPLE_RATE, deviceId: Number(deviceId), framesPerBuffer: FRAME_SAMPLES, highwaterMark: FRAME_BYTES, closeOnError: false}
  const stream = portAudio.AudioIO(direction === 'input' ? {inOptions: options} : {outOptions: options})
  stream.on('error', (error: Error) => report({warn: error.message}))
  if (direction === 'input') stream.pipe(pcm)
  else pcm.pipe(stream)
  stream.start()
  report({ok: true})
  if (direction === 'input') {
    // The parent closes fd 3 (or dies): stop capturing and leave. Once: the next write fails (EPIPE) and the socket
    // closes, and a second quit while naudiodon's first is finishing kept the process from exiting until the parent
    // killed it 2 s later (at every hang-up with a mic).
    let quitting = false
    const quit = () => {
      if (quitting) return
      quitting = true
      stream.quit(() => process.exit(0))
    }

    pcm.on('close', quit)
    pcm.on('error', quit)
    process.on('SIGTERM', quit)
  } else {
    // The parent ends fd 3 (or dies): play what is queued, then leave. The pipe ends the stream at EOF; when its last
    // write is queued naudiodon quits itself ('finish' → quit('WAIT'): the device plays out its buffers) and then
    // emits 'finished'. Quitting here on the socket's 'close' instead dropped what still waited in the stream's
    // JavaScript buffer, and a second quit racing naudiodon's own kept the child from exiting until it was killed.
    stream.on('finished', () => process.exit(0))
    pcm.on('error', () => stream.end())
    process.on('SIGTERM', () => stream.abort(() => process.exit(0)))
  }
} catch (error) {
  report({ok: false, error: toIvcError(error).toJSON()})
  process.exit(1)
}
