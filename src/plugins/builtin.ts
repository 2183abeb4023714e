import {IvcError} from '../cli/errors.js'
import {mongoDirectoryBackend, redisDirectoryBackend} from '../directory/backends.js'
import {FFMPEG_HINT, probeProgram} from './external.js'
import {probeNaudiodon, probeOpenCV} from './native.js'
import type {Backend, BackendKind, ProbeResult} from './types.js'

/**
 * The backends ivc ships. Each media issue replaces its entries' create() with the real implementation; until then
 * a backend's probe is real and its create() says plainly that it is not implemented yet.
 */
function pending<K extends BackendKind>(kind: K, name: string, description: string, probe: () => Promise<ProbeResult>): Backend<K> {
  return {
    name,
    kind,
    description,
    probe,
    async create() {
      throw new IvcError('NOT_IMPLEMENTED', `${kind} "${name}" is not implemented yet`)
    },
  }
}

const pureJs = async (): Promise<ProbeResult> => ({ok: true, detail: 'pure JavaScript'})
const opencv = async () => probeOpenCV()
const naudiodon = async () => probeNaudiodon()
const ffplay = () => probeProgram('ffplay', FFMPEG_HINT)

export function builtinBackends(): Backend[] {
  return [
    pending('video-source', 'synthetic', 'moving test pattern with the frame number stamped in the pixels', pureJs),
    pending('video-source', 'camera', 'a webcam through OpenCV VideoCapture', opencv),
    pending('video-source', 'file', 'a video file through OpenCV', opencv),
    pending('video-codec', 'jpeg', 'JPEG through OpenCV imencode/imdecode', opencv),
    pending('video-codec', 'raw', 'uncompressed frames (tests)', pureJs),
    pending('video-sink', 'ffplay', 'a window through ffplay (MJPEG on stdin)', ffplay),
    pending('video-sink', 'null', 'decode and count frames', pureJs),
    pending('audio-source', 'tone', 'sine tone with a continuity marker', pureJs),
    pending('audio-source', 'mic', 'a microphone through naudiodon (PortAudio)', naudiodon),
    pending('audio-sink', 'speaker', 'a speaker through naudiodon (PortAudio)', naudiodon),
    pending('audio-sink', 'ffplay', 'ffplay -nodisp reading PCM on stdin', ffplay),
    pending('audio-sink', 'null', 'count and verify frames', pureJs),
    pending('audio-codec', 'pcm', '48 kHz mono s16le, uncompressed', pureJs),
    redisDirectoryBackend,
    mongoDirectoryBackend,
  ]
}
