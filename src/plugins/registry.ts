import {IvcError} from '../foundation/errors.js'
import {BACKEND_KINDS, type Backend, type BackendInstances, type BackendKind, type ProbeResult} from './types.js'

export interface ProbedBackend extends ProbeResult {
  name: string
  kind: BackendKind
  description: string
}

/** One map of backends by name per kind, typed by its kind, so a backend comes out as the kind it went in. */
type BackendsByKind = {[K in BackendKind]: Map<string, Backend<K>>}

/** Backends by kind and name. Built-ins are registered at start-up; installed oclif plugins add theirs by hook. */
export class BackendRegistry {
  // Spelled out rather than built from BACKEND_KINDS, so the type checks that every kind has its map.
  readonly #backends: BackendsByKind = {
    'video-source': new Map(),
    'video-sink': new Map(),
    'audio-source': new Map(),
    'audio-sink': new Map(),
    'video-codec': new Map(),
    'audio-codec': new Map(),
    directory: new Map(),
  }

  register<K extends BackendKind>(backend: Backend<K>): void {
    if (!BACKEND_KINDS.includes(backend.kind)) throw new Error(`backend ${backend.name}: unknown kind "${backend.kind}"`)
    const byName = this.#of(backend.kind)
    if (byName.has(backend.name)) throw new Error(`a ${backend.kind} backend named "${backend.name}" is already registered`)
    byName.set(backend.name, backend)
  }

  list(kind?: BackendKind): Backend[] {
    const kinds = kind ? [kind] : BACKEND_KINDS
    return kinds.flatMap((each): Backend[] => [...this.#of(each).values()])
  }

  get<K extends BackendKind>(kind: K, name: string): Backend<K> {
    const backend = this.#of(kind).get(name)
    if (!backend) {
      const known = [...this.#of(kind).keys()].join(', ') || 'none'
      throw new IvcError('UNKNOWN_BACKEND', `no ${kind} backend named "${name}" (known: ${known})`)
    }

    return backend
  }

  /** Probe, then create; a backend that cannot run here fails with its install hint instead of a crash. */
  async create<K extends BackendKind>(kind: K, name: string, options: Record<string, unknown> = {}): Promise<BackendInstances[K]> {
    await this.ensureAvailable(kind, name)
    return this.get(kind, name).create(options)
  }

  /** Throws BACKEND_MISSING with the install hint (or UNKNOWN_BACKEND) unless the backend can run here. */
  async ensureAvailable(kind: BackendKind, name: string): Promise<void> {
    const backend = this.get(kind, name)
    const probe = await safeProbe(backend)
    if (!probe.ok) {
      throw new IvcError('BACKEND_MISSING', `${kind} "${name}" cannot run here: ${probe.detail}`, {
        suggestion: probe.hint ?? 'Run `ivc doctor` for details.',
      })
    }
  }

  async probeAll(): Promise<ProbedBackend[]> {
    return Promise.all(
      this.list().map(async (backend) => ({
        name: backend.name,
        kind: backend.kind,
        description: backend.description,
        ...(await probeWithDevices(backend)),
      })),
    )
  }

  #of<K extends BackendKind>(kind: K): Map<string, Backend<K>> {
    return this.#backends[kind]
  }
}

async function safeProbe(backend: Backend, probe: () => Promise<ProbeResult> = () => backend.probe()): Promise<ProbeResult> {
  try {
    return await probe()
  } catch (error) {
    return {ok: false, detail: `probe failed: ${(error as Error).message}`}
  }
}

/** The library probe, then (if it passed and the backend needs one) the device probe. */
async function probeWithDevices(backend: Backend): Promise<ProbeResult> {
  const library = await safeProbe(backend)
  if (!library.ok || !backend.probeDevices) return library
  return safeProbe(backend, () => backend.probeDevices!())
}
