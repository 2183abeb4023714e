import type {AudioBackendOptions} from '../../media/audio/types.js'
import {FFMPEG_HINT, probeProgram} from '../external.js'
import {probeAudioDevice} from '../device-probes.js'
import {probeNaudiodon, probeNodeAv} from '../native.js'
import type {AnyBackend, ProbeResult} from '../types.js'
import {UI_SOCKETS_ENV, uiSocketFromEnv} from '../ui-socket.js'

// Each backend imports its implementation in create(): a process loads only the backends it uses (issue 12).

const pureJs = async (): Promise<ProbeResult> => ({ok: true, detail: 'pure JavaScript'})
const naudiodon = async () => probeNaudiodon()
const nodeAv = async () => probeNodeAv()
const ffplay = () => probeProgram('ffplay', FFMPEG_HINT)

/** Audio's backends: sources tone, file, mic; sinks speaker, ffplay, null, file, ui; codecs pcm and opus. */
export function audioBackends(): AnyBackend[] {
  const opts = (options: Record<string, unknown>) => options as AudioBackendOptions
  return [
    {name: 'tone', kind: 'audio-source', description: 'sine tone with a continuity marker', probe: pureJs, create: async (o) => (await import('./tone-source.js')).createToneSource(opts(o).frequency)},
    {name: 'file', kind: 'audio-source', description: 'a WAV (16-bit, 48 kHz) or raw s16le file, played once', probe: pureJs, create: async (o) => (await import('./file-source.js')).createFileSource(opts(o).path)},
    {name: 'mic', kind: 'audio-source', description: 'a microphone through naudiodon (PortAudio)', probe: naudiodon, probeDevices: () => probeAudioDevice('input'), create: async (o) => (await import('./mic-source.js')).createMicSource(opts(o).device, opts(o).logger)},
    {name: 'speaker', kind: 'audio-sink', description: 'a speaker through naudiodon (PortAudio)', probe: naudiodon, probeDevices: () => probeAudioDevice('output'), create: async (o) => (await import('./speaker-sink.js')).createSpeakerSink(opts(o).device, opts(o).logger)},
    {name: 'ffplay', kind: 'audio-sink', description: 'ffplay -nodisp reading PCM on stdin', probe: ffplay, create: async (o) => (await import('./ffplay-sink.js')).createFfplaySink(opts(o).logger)},
    {name: 'null', kind: 'audio-sink', description: 'count frames and verify the tone marker', probe: pureJs, create: async () => (await import('./null-sink.js')).createNullSink()},
    {name: 'file', kind: 'audio-sink', description: 'record to a WAV file', probe: pureJs, create: async (o) => (await import('./file-sink.js')).createFileSink(opts(o).path)},
    {
      name: 'ui',
      kind: 'audio-sink',
      description: `the page of ivc ui (PCM over its local socket, in ${UI_SOCKETS_ENV}, which ivc ui sets)`,
      probe: pureJs,
      create: async () => (await import('./ui-sink.js')).createUiAudioSink(uiSocketFromEnv('audio')),
    },
    {
      name: 'pcm',
      kind: 'audio-codec',
      description: '48 kHz mono s16le, uncompressed',
      probe: pureJs,
      create: async () => (await import('../../media/audio/pcm-codec.js')).pcmCodec,
    },
    {
      name: 'opus',
      kind: 'audio-codec',
      description: 'Opus, 32 kbit/s voice, FEC and DTX, the decoder conceals lost frames (node-av, optional)',
      probe: nodeAv,
      create: async () => new (await import('./opus-codec.js')).OpusCodec(),
    },
  ]
}
