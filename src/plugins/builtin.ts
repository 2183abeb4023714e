import {IvcError} from '../cli/errors.js'
import {mongoDirectoryBackend, redisDirectoryBackend} from '../directory/backends.js'
import {audioBackends} from './audio/index.js'
import {FFMPEG_HINT, probeProgram} from './external.js'
import {probeNaudiodon, probeOpenCV} from './native.js'
import type {Backend, BackendKind, ProbeResult} from './types.js'
import {videoBackends} from './video/index.js'

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
    ...videoBackends(),
    ...audioBackends(),
    redisDirectoryBackend,
    mongoDirectoryBackend,
  ]
}
