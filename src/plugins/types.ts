import type {Directory} from '../directory/types.js'
import type {AudioCodec, AudioSink, AudioSource} from '../media/audio/types.js'
import type {VideoCodec, VideoSink, VideoSource} from '../media/types.js'

/**
 * Media backends are plugins: `{name, kind, description, probe(), create(options)}`, registered by kind.
 * `probe()` says whether the backend can run on this machine and, if not, exactly what to install; it must be cheap
 * and must not throw. `create()` loads native modules lazily, on first use only.
 */
export const BACKEND_KINDS = [
  'video-source',
  'video-sink',
  'audio-source',
  'audio-sink',
  'video-codec',
  'audio-codec',
  'directory',
] as const
export type BackendKind = (typeof BACKEND_KINDS)[number]

export interface ProbeResult {
  ok: boolean
  /** What was found (a version, a device count) or why it cannot run. */
  detail: string
  /** When not ok: the exact command that makes it work. */
  hint?: string
}

/** What `create()` returns, per kind: the interface its layer defines (media/, directory/), so no caller casts it. */
export interface BackendInstances {
  'video-source': VideoSource
  'video-sink': VideoSink
  'audio-source': AudioSource
  'audio-sink': AudioSink
  'video-codec': VideoCodec
  'audio-codec': AudioCodec
  directory: Directory
}

export interface Backend<K extends BackendKind = BackendKind> {
  name: string
  kind: K
  description: string
  probe(): Promise<ProbeResult>
  /**
   * For a backend that needs a device (camera, mic, speaker): is there one? `ivc doctor` asks after probe() succeeds;
   * create() does not (it opens the device and says NO_DEVICE itself).
   */
  probeDevices?(): Promise<ProbeResult>
  create(options: Record<string, unknown>): Promise<BackendInstances[K]>
}

/** A backend of any one kind: a union over the kinds, so a list of them still checks each `create()` against its `kind`. */
export type AnyBackend = {[K in BackendKind]: Backend<K>}[BackendKind]
