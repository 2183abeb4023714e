import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'

import {firstLine, IvcError} from '../foundation/errors.js'
import type {ProbeResult} from './types.js'

/**
 * Lazy loaders for the native modules. Nothing imports @u4/opencv4nodejs, naudiodon or sharp at start-up: each loads
 * on first use, once, and a missing or broken build becomes BACKEND_MISSING with the command that fixes it.
 */
export const OPENCV_HINT =
  'sudo apt-get install -y libopencv-dev && OPENCV4NODEJS_DISABLE_AUTOBUILD=1 OPENCV_INCLUDE_DIR=/usr/include/opencv4 ' +
  'OPENCV_LIB_DIR=/usr/lib/x86_64-linux-gnu OPENCV_BIN_DIR=/usr/bin npm_config_nodedir=/usr npm install @u4/opencv4nodejs'
export const NAUDIODON_HINT = 'npm install naudiodon (it bundles PortAudio; a PulseAudio or ALSA device must exist)'
export const SHARP_HINT = 'npm install sharp (prebuilt for linux-x64; the JPEG fallback when OpenCV is missing)'
export const NODE_AV_HINT = 'npm install node-av (FFmpeg in-process: its prebuilt library comes from the npm registry, no build)'

const require = createRequire(import.meta.url)

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OpenCV = any
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Naudiodon = any
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Sharp = any
/**
 * What ivc uses of node-av: its low-level classes (`node-av/lib`) and FFmpeg's constants (`node-av/constants`), typed
 * where it is used (plugins/audio/opus-codec.ts). Not the package's entry, which also loads its high-level API, its
 * WebRTC helpers and its ffmpeg-binary locator: 0.08 s more CPU in every process that codes H.264 or Opus.
 */
export type NodeAv = typeof import('node-av/lib') & typeof import('node-av/constants')

type NativeName = 'opencv' | 'naudiodon' | 'sharp' | 'node-av'

/**
 * IVC_DISABLE_NATIVE=opencv,naudiodon,sharp,node-av makes the named modules behave as if missing, so tests (and people) can
 * check the fallbacks and install hints without uninstalling anything.
 */
export function nativeDisabled(name: NativeName): boolean {
  return (process.env.IVC_DISABLE_NATIVE ?? '').split(',').map((each) => each.trim().toLowerCase()).includes(name)
}

/** One native module, loaded on first use: probe() never throws, load() throws BACKEND_MISSING with the hint. */
function lazyNative(name: NativeName, packageName: string, hint: string, load: () => {module: unknown; detail: string}) {
  let loaded: {ok: true; module: unknown; detail: string} | {ok: false; detail: string} | undefined
  const attempt = () => {
    if (loaded) return loaded
    if (nativeDisabled(name)) return (loaded = {ok: false, detail: `${packageName} is disabled by IVC_DISABLE_NATIVE`})
    try {
      loaded = {ok: true, ...load()}
    } catch (error) {
      loaded = {ok: false, detail: `${packageName} does not load: ${firstLine(String((error as Error)?.message ?? error))}`}
    }

    return loaded
  }

  return {
    probe(): ProbeResult {
      const result = attempt()
      return result.ok ? {ok: true, detail: result.detail} : {ok: false, detail: result.detail, hint}
    },
    load() {
      const result = attempt()
      if (!result.ok) throw new IvcError('BACKEND_MISSING', result.detail, {suggestion: hint})
      return result.module
    },
  }
}

const opencv = lazyNative('opencv', '@u4/opencv4nodejs', OPENCV_HINT, () => {
  // The crash at hang-up (issue 14: SIGTRAP, V8 "Check failed: marking_done_" in CppHeap::TraceEpilogue). By default
  // the package installs an OpenCV allocator that reports every Mat's memory to V8 (AdjustAmountOfExternalAllocatedMemory)
  // from whichever thread frees it. A Mat made by an *Async call is allocated on libuv's thread pool, where the report
  // is deferred; the next Mat freed on the main thread, which is inside a garbage collection when the GC finalises its
  // wrapper, then reports it, and that external-memory pressure starts marking in the middle of the collection: V8
  // aborts. Off, OpenCV never calls into V8 from a finaliser or a thread; ivc releases its per-frame Mats itself
  // (plugins/video/jpeg-codec.ts), so the GC needs no hint of their size. It is read once, when the addon loads.
  // test/plugins/opencv-gc.test.ts runs the async loop that aborted within seconds with the tracking on.
  process.env.OPENCV4NODEJS_DISABLE_EXTERNAL_MEM_TRACKING = '1'
  // The addon itself, not the package's entry: the entry first loads @u4/opencv-build (its build tooling, to find the
  // addon) and adds JavaScript helpers ivc never calls, which cost a video process 0.3-0.5 s of CPU and 16 MB at every
  // start (issue 12). Resolving the entry runs nothing; the addon sits at build/Release beside it, and the package's
  // own promisify step turns its callback-taking *Async functions into the promises ivc awaits.
  const packageDir = join(dirname(require.resolve('@u4/opencv4nodejs')), '..', '..')
  const cv = require(join(packageDir, 'build', 'Release', 'opencv4nodejs.node'))
  require(join(packageDir, 'cjs', 'lib', 'promisify.js')).default(cv)
  return {module: cv, detail: `OpenCV ${cv.version ? `${cv.version.major}.${cv.version.minor}.${cv.version.revision}` : 'loaded'}`}
})

const naudiodon = lazyNative('naudiodon', 'naudiodon', NAUDIODON_HINT, () => ({module: require('naudiodon'), detail: 'naudiodon (PortAudio) loaded'}))

const sharp = lazyNative('sharp', 'sharp', SHARP_HINT, () => {
  const module = require('sharp')
  return {module, detail: `sharp ${module.versions?.sharp ?? ''} (libvips ${module.versions?.vips ?? '?'})`}
})

// node-av is an ES module with a CommonJS build beside it (its package exports both): required here like the others,
// so loading stays synchronous and lazy.
const nodeAv = lazyNative('node-av', 'node-av', NODE_AV_HINT, () => {
  const module = {...require('node-av/lib'), ...require('node-av/constants')} as NodeAv
  if (!module.Codec.findEncoderByName(module.FF_ENCODER_LIBOPUS)) throw new Error('its FFmpeg has no libopus encoder')
  // FFmpeg logs warnings to stderr on its own (e.g. libopus's "frames left in the queue" as a codec closes): errors only.
  module.Log.setLevel(module.AV_LOG_ERROR)
  return {module, detail: `node-av (FFmpeg ${module.getFFmpegInfo().version}) with libopus`}
})

export const probeOpenCV = (): ProbeResult => opencv.probe()
export const loadOpenCV = (): OpenCV => opencv.load()
export const probeNaudiodon = (): ProbeResult => naudiodon.probe()
export const loadNaudiodon = (): Naudiodon => naudiodon.load()
export const probeSharp = (): ProbeResult => sharp.probe()
export const loadSharp = (): Sharp => sharp.load()
export const probeNodeAv = (): ProbeResult => nodeAv.probe()
export const loadNodeAv = (): NodeAv => nodeAv.load() as NodeAv

/** node-av with libx264 in its FFmpeg (the prebuilt library has it; an FFmpeg of one's own may not). */
export const probeNodeAvH264 = (): ProbeResult => probeNodeAvEncoder((av) => av.FF_ENCODER_LIBX264)

/** node-av with libvpx in its FFmpeg, for VP8 (the prebuilt library has it). */
export const probeNodeAvVp8 = (): ProbeResult => probeNodeAvEncoder((av) => av.FF_ENCODER_LIBVPX_VP8)

function probeNodeAvEncoder(encoder: (av: NodeAv) => Parameters<NodeAv['Codec']['findEncoderByName']>[0]): ProbeResult {
  const loaded = probeNodeAv()
  if (!loaded.ok) return loaded
  const av = loadNodeAv()
  const name = encoder(av)
  if (!av.Codec.findEncoderByName(name)) return {ok: false, detail: `node-av loads, but its FFmpeg has no ${name} encoder`, hint: NODE_AV_HINT}
  return {ok: true, detail: `node-av (FFmpeg ${av.getFFmpegInfo().version}) with ${name}`}
}
