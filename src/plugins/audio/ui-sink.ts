import type {AudioSink} from '../../media/audio/types.js'
import {UiSocket} from '../ui-socket.js'

/**
 * The `ui` sink: each 20 ms frame of PCM to `ivc ui` over its audio socket (plugins/ui-socket.ts), which forwards it to
 * the page's AudioWorklet. A frame the socket cannot take at once is dropped and counted: the page keeps a small
 * buffer, and audio late by a backlog is worse than a gap the page conceals.
 */
export function createUiAudioSink(path: string): AudioSink {
  const socket = new UiSocket(path)
  let seq = 0
  let forwarded = 0
  let dropped = 0
  return {
    write(pcm: Buffer) {
      if (socket.send(seq++, pcm)) forwarded++
      else dropped++
    },
    async close() {
      socket.close()
      return {sink: 'ui', forwarded, dropped}
    },
  }
}
