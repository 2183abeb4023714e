import {createRequire} from 'node:module'

import {firstLine, IvcError} from '../cli/errors.js'
import type {ProbeResult} from './types.js'

/**
 * Lazy loaders for the native modules. Nothing imports @u4/opencv4nodejs or naudiodon at start-up: they load on
 * first use, once, and a missing or broken build becomes BACKEND_MISSING with the command that fixes it.
 */
export const OPENCV_HINT =
  'sudo apt-get install -y libopencv-dev && OPENCV4NODEJS_DISABLE_AUTOBUILD=1 OPENCV_INCLUDE_DIR=/usr/include/opencv4 ' +
  'OPENCV_LIB_DIR=/usr/lib/x86_64-linux-gnu OPENCV_BIN_DIR=/usr/bin npm_config_nodedir=/usr npm install @u4/opencv4nodejs'
export const NAUDIODON_HINT = 'npm install naudiodon (it bundles PortAudio; a PulseAudio or ALSA device must exist)'

const require = createRequire(import.meta.url)

type Loaded<T> = {ok: true; module: T; detail: string} | {ok: false; detail: string}
let opencv: Loaded<unknown> | undefined
let naudiodon: Loaded<unknown> | undefined

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OpenCV = any
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Naudiodon = any

/**
 * IVC_DISABLE_NATIVE=opencv,naudiodon makes the named modules behave as if missing, so tests (and people) can check
 * the fallbacks and install hints without uninstalling anything.
 */
export function nativeDisabled(name: 'opencv' | 'naudiodon' | 'sharp'): boolean {
  return (process.env.IVC_DISABLE_NATIVE ?? '').split(',').map((each) => each.trim().toLowerCase()).includes(name)
}

function tryLoadOpenCV(): Loaded<OpenCV> {
  if (nativeDisabled('opencv')) return {ok: false, detail: '@u4/opencv4nodejs is disabled by IVC_DISABLE_NATIVE'}
  // Without this the package tries to build OpenCV from source at import time (a download, which fails here).
  process.env.OPENCV4NODEJS_DISABLE_AUTOBUILD = '1'
  try {
    // opencv-build logs to stdout on load; stdout is for data, so silence it first.
    try {
      require('@u4/opencv-build').Log.silence = true
    } catch {
      // not installed: the opencv4nodejs require below reports the real problem
    }

    const cv = require('@u4/opencv4nodejs')
    return {ok: true, module: cv, detail: `OpenCV ${cv.version ? `${cv.version.major}.${cv.version.minor}.${cv.version.revision}` : 'loaded'}`}
  } catch (error) {
    return {ok: false, detail: `@u4/opencv4nodejs does not load: ${firstLine(String((error as Error)?.message ?? error))}`}
  }
}

function tryLoadNaudiodon(): Loaded<Naudiodon> {
  if (nativeDisabled('naudiodon')) return {ok: false, detail: 'naudiodon is disabled by IVC_DISABLE_NATIVE'}
  try {
    const portAudio = require('naudiodon')
    return {ok: true, module: portAudio, detail: 'naudiodon (PortAudio) loaded'}
  } catch (error) {
    return {ok: false, detail: `naudiodon does not load: ${firstLine(String((error as Error)?.message ?? error))}`}
  }
}

export function probeOpenCV(): ProbeResult {
  opencv ??= tryLoadOpenCV()
  return opencv.ok ? {ok: true, detail: opencv.detail} : {ok: false, detail: opencv.detail, hint: OPENCV_HINT}
}

export function loadOpenCV(): OpenCV {
  opencv ??= tryLoadOpenCV()
  if (!opencv.ok) throw new IvcError('BACKEND_MISSING', opencv.detail, {suggestion: OPENCV_HINT})
  return opencv.module
}

export function probeNaudiodon(): ProbeResult {
  naudiodon ??= tryLoadNaudiodon()
  return naudiodon.ok ? {ok: true, detail: naudiodon.detail} : {ok: false, detail: naudiodon.detail, hint: NAUDIODON_HINT}
}

export function loadNaudiodon(): Naudiodon {
  naudiodon ??= tryLoadNaudiodon()
  if (!naudiodon.ok) throw new IvcError('BACKEND_MISSING', naudiodon.detail, {suggestion: NAUDIODON_HINT})
  return naudiodon.module
}

export const SHARP_HINT = 'npm install sharp (prebuilt for linux-x64; the JPEG fallback when OpenCV is missing)'
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Sharp = any
let sharp: Loaded<Sharp> | undefined

function tryLoadSharp(): Loaded<Sharp> {
  if (nativeDisabled('sharp')) return {ok: false, detail: 'sharp is disabled by IVC_DISABLE_NATIVE'}
  try {
    const module = require('sharp')
    return {ok: true, module, detail: `sharp ${module.versions?.sharp ?? ''} (libvips ${module.versions?.vips ?? '?'})`.trim()}
  } catch (error) {
    return {ok: false, detail: `sharp does not load: ${firstLine(String((error as Error)?.message ?? error))}`}
  }
}

export function probeSharp(): ProbeResult {
  sharp ??= tryLoadSharp()
  return sharp.ok ? {ok: true, detail: sharp.detail} : {ok: false, detail: sharp.detail, hint: SHARP_HINT}
}

export function loadSharp(): Sharp {
  sharp ??= tryLoadSharp()
  if (!sharp.ok) throw new IvcError('BACKEND_MISSING', sharp.detail, {suggestion: SHARP_HINT})
  return sharp.module
}
