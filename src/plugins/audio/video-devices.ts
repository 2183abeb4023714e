import {readdir, readFile} from 'node:fs/promises'

export interface VideoDevice {
  /** The index OpenCV's VideoCapture takes. */
  index: number
  path: string
  name: string
}

/**
 * Video capture devices by probing /dev/video* (V4L2) and their names in sysfs; no camera library is loaded. On a
 * machine without V4L2 (or without cameras) the list is empty. Lives with the audio device listing because
 * `ivc devices` shows both; it knows nothing about audio.
 */
export async function listVideoDevices(devDir = '/dev', sysDir = '/sys/class/video4linux'): Promise<VideoDevice[]> {
  const entries = await readdir(devDir).catch(() => [] as string[])
  const devices: VideoDevice[] = []
  for (const entry of entries) {
    const match = /^video(\d+)$/.exec(entry)
    if (!match) continue
    const name = await readFile(`${sysDir}/${entry}/name`, 'utf8').then((text) => text.trim()).catch(() => '')
    devices.push({index: Number(match[1]), path: `${devDir}/${entry}`, name: name || entry})
  }

  return devices.sort((a, b) => a.index - b.index)
}
