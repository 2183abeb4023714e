import {existsSync} from 'node:fs'

import {execa} from 'execa'
import {fileURLToPath} from 'node:url'

import {IvcError} from '../../foundation/errors.js'

/** One PortAudio device as naudiodon reports it. */
export interface AudioDevice {
  id: number
  name: string
  maxInputChannels: number
  maxOutputChannels: number
  defaultSampleRate: number
  hostAPIName: string
}

const CHILD_JS = fileURLToPath(new URL('list-devices-child.js', import.meta.url))
// Under ./bin/dev.js the sources run through tsx, and only the .ts exists.
const CHILD_ARGS = existsSync(CHILD_JS) ? [CHILD_JS] : ['--import', 'tsx', fileURLToPath(new URL('list-devices-child.ts', import.meta.url))]

/**
 * The audio devices PortAudio sees. Enumerating initialises PortAudio, and on a machine without sound cards ALSA
 * writes dozens of lines to stderr from C, which no JavaScript can silence; so the list comes from a short child
 * process whose stderr is dropped, and ivc's own stderr stays one clear line.
 */
export async function listAudioDevices(): Promise<AudioDevice[]> {
  const result = await execa(process.execPath, CHILD_ARGS, {reject: false, timeout: 10_000, stderr: 'ignore'})
  const line = result.stdout.trim().split('\n').at(-1) ?? ''
  let parsed: {ok: boolean; devices?: AudioDevice[]; error?: {code: string; message: string; suggestion: string}}
  try {
    parsed = JSON.parse(line)
  } catch {
    throw new IvcError('BACKEND_MISSING', `listing audio devices failed (exit ${result.exitCode})`)
  }

  if (!parsed.ok) throw new IvcError('BACKEND_MISSING', parsed.error?.message, {suggestion: parsed.error?.suggestion})
  return parsed.devices ?? []
}

/** The device for `wanted` (an index, or part of a name; default: the system default), for input or output. */
export async function resolveAudioDevice(wanted: string | undefined, direction: 'input' | 'output'): Promise<AudioDevice> {
  const devices = (await listAudioDevices()).filter((device) => (direction === 'input' ? device.maxInputChannels : device.maxOutputChannels) > 0)
  const what = direction === 'input' ? 'audio capture' : 'audio playback'
  if (devices.length === 0) {
    throw new IvcError('NO_DEVICE', `no ${what} device found`, {
      suggestion: 'Connect one, or start PulseAudio (`pulseaudio --start`); `ivc devices` lists what is there.',
    })
  }

  if (wanted === undefined || wanted === '') return devices.find((device) => device.name === 'default') ?? devices[0]
  const byIndex = /^\d+$/.test(wanted) ? devices.find((device) => device.id === Number(wanted)) : undefined
  const byName = devices.find((device) => device.name === wanted) ?? devices.find((device) => device.name.toLowerCase().includes(wanted.toLowerCase()))
  const found = byIndex ?? byName
  if (!found) {
    throw new IvcError('NO_DEVICE', `no ${what} device matches "${wanted}" (there are: ${devices.map((device) => `${device.id} ${device.name}`).join(', ')})`)
  }

  return found
}
