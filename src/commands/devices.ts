import {IvcCommand} from '../cli/base-command.js'
import {isIvcError} from '../foundation/errors.js'
import {type AudioDevice, listAudioDevices} from '../plugins/audio/devices.js'
import {listVideoDevices, type VideoDevice} from '../plugins/audio/video-devices.js'

interface DeviceList {
  audio: AudioDevice[]
  /** Why audio devices could not be listed (naudiodon missing), if so. */
  audioError?: {code: string; message: string; suggestion: string}
  video: VideoDevice[]
}

export default class Devices extends IvcCommand<typeof Devices> {
  static override summary = 'List audio and video capture/playback devices.'
  static override description = 'Audio devices come from PortAudio (naudiodon): pass the index or part of the name to `stream-audio --device`. Video devices are the V4L2 /dev/video* nodes: pass the index to `stream-video --device`.'
  static override examples = [
    {description: 'Show every device', command: '<%= config.bin %> devices'},
    {description: 'As JSON', command: '<%= config.bin %> devices --json'},
  ]

  async run(): Promise<void> {
    const list: DeviceList = {audio: [], video: await listVideoDevices()}
    try {
      list.audio = await listAudioDevices()
    } catch (error) {
      if (!isIvcError(error)) throw error
      list.audioError = error.toJSON()
    }

    this.output(list, () => render(list))
  }
}

function render(list: DeviceList): string {
  const lines = ['audio:']
  if (list.audioError) lines.push(`  (cannot list: ${list.audioError.message}; ${list.audioError.suggestion})`)
  else if (list.audio.length === 0) lines.push('  (none)')
  for (const device of list.audio) {
    const roles = [device.maxInputChannels > 0 ? 'in' : '', device.maxOutputChannels > 0 ? 'out' : ''].filter(Boolean).join('+')
    lines.push(`  ${String(device.id).padStart(3)}  ${device.name}  [${roles}, ${device.hostAPIName}, ${device.defaultSampleRate} Hz]`)
  }

  lines.push('video:')
  if (list.video.length === 0) lines.push('  (none)')
  for (const device of list.video) lines.push(`  ${String(device.index).padStart(3)}  ${device.name}  (${device.path})`)
  return lines.join('\n') + '\n'
}
