import {isIvcError} from '../foundation/errors.js'
import type {AudioDevice} from './audio/devices.js'
import {probeNaudiodon, probeOpenCV} from './native.js'
import type {ProbeResult} from './types.js'

/**
 * The device probes of the backends that need one (camera, mic, speaker), asked by `ivc doctor` once the library
 * loaded: ok only when `ivc devices` finds a device of that kind, so the two never disagree.
 */
export async function probeCamera(): Promise<ProbeResult> {
  const library = probeOpenCV()
  // Imported here: a process that only uses backends loads none of the listing code (issue 12).
  const {listVideoDevices} = await import('./audio/video-devices.js')
  const cameras = await listVideoDevices()
  if (cameras.length === 0) return {ok: false, detail: `${library.detail}, but no camera (no /dev/video* device)`, hint: 'Connect a camera, or use the synthetic or file source.'}
  return {ok: true, detail: `${library.detail}; ${cameras.length} camera${cameras.length === 1 ? '' : 's'}, first: ${cameras[0].name}`}
}

let audioDevices: Promise<AudioDevice[]> | undefined

export async function probeAudioDevice(direction: 'input' | 'output'): Promise<ProbeResult> {
  const library = probeNaudiodon()
  // One listing for mic and speaker: it starts PortAudio in a child process.
  audioDevices ??= import('./audio/devices.js').then((module) => module.listAudioDevices())
  let devices
  try {
    devices = (await audioDevices).filter((device) => (direction === 'input' ? device.maxInputChannels : device.maxOutputChannels) > 0)
  } catch (error) {
    if (!isIvcError(error)) throw error
    return {ok: false, detail: `${library.detail}, but listing devices failed: ${error.message}`, hint: error.suggestion}
  }

  const what = direction === 'input' ? 'capture' : 'playback'
  if (devices.length === 0) return {ok: false, detail: `${library.detail}, but no audio ${what} device`, hint: 'Connect one, or start PulseAudio (a null sink will do for tests); `ivc devices` lists what PortAudio sees.'}
  return {ok: true, detail: `${library.detail}; ${devices.length} ${what} device${devices.length === 1 ? '' : 's'}, first: ${devices[0].name}`}
}
