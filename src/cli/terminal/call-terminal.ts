import type {Bus} from '../../bus/bus.js'
import {type ControlRequest, requestCall} from '../../call/control-client.js'
import {describeCallEvent, printable} from '../../call/render.js'
import {renderCallStats} from '../../call/stats-table.js'
import type {Clock} from '../../foundation/clock.js'
import {applyCallEvent, applyStats, type CallView, IDLE, modeOf} from './call-view.js'
import {type KeyAction, KeyReader} from './keys.js'
import {KEY_HELP, statusLine} from './status-line.js'

/**
 * The call, driven from the terminal it runs in (issue 15), like baresip's or linphonec's console: keys act on the
 * user's call through the same bus requests as `ivc control`, a status line redrawn in place shows the call and
 * both directions' media, and events (the peer muted, a chat line, reconnecting) print above it. A bus client of
 * the user's call component, so `ivc listen` and `ivc call` use it alike. Only on a terminal: scripts see no change.
 */
export interface CallTerminalOptions {
  bus: Bus
  user: string
  input: NodeJS.ReadStream
  output: NodeJS.WriteStream
  clock: Clock
  /** Ctrl-C (raw mode turns it into a key): the command decides (hang up, or quit). */
  onInterrupt: () => void
}

export interface CallTerminal {
  /** Print a line above the status line (the command's own messages). */
  print(line: string): void
  close(): Promise<void>
}

const CLEAR_LINE = '\r\u001B[2K'

/** Whether this process runs on a terminal a person types into (and not for a script that wants JSON). */
export function interactive(json: boolean): boolean {
  return !json && Boolean(process.stdin.isTTY && process.stderr.isTTY)
}

export async function attachCallTerminal(options: CallTerminalOptions): Promise<CallTerminal> {
  const {bus, input, output, clock} = options
  const keys = new KeyReader()
  let view: CallView = IDLE
  let closed = false

  const draw = () => {
    if (closed) return
    const line = keys.draft === undefined ? statusLine(view, clock.now(), options.user, output.columns || 100) : `chat> ${keys.draft}`
    output.write(CLEAR_LINE + line)
  }

  const print = (...lines: string[]) => {
    if (closed) return
    output.write(CLEAR_LINE + lines.join('\n') + '\n')
    draw()
  }

  const request = (action: ControlRequest, extra: {text?: string} = {}) =>
    requestCall(bus, action, extra)
      .then((reply) => {
        if (action === 'stats') print(...renderCallStats(reply).trimEnd().split('\n'))
      })
      .catch((error: Error) => print(`ivc: ${error.message}`))

  const act = (action: KeyAction) => {
    switch (action.type) {
      case 'accept':
      case 'reject':
      case 'hangup':
      case 'stats': {
        void request(action.type)
        break
      }

      case 'mute-toggle': {
        void request(view.local.audio ? 'mute' : 'unmute')
        break
      }

      case 'video-toggle': {
        void request(view.local.video ? 'video-off' : 'video-on')
        break
      }

      case 'chat-send': {
        void request('chat', {text: action.text})
        break
      }

      case 'help': {
        print(...KEY_HELP)
        break
      }

      case 'interrupt': {
        options.onInterrupt()
        break
      }

      case 'chat-draft':
      case 'chat-cancel': {
        break
      }
    }

    draw()
  }

  const onCall = await bus.subscribe('call', (envelope) => {
    const body = envelope.body as Record<string, unknown>
    // Some events do not name the peer (a toggle); the call in progress does.
    const line = describeCallEvent(envelope.type, {peer: view.peer, ...body})
    view = applyCallEvent(view, envelope.type, body, clock.now())
    for (const action of keys.setMode(modeOf(view))) act(action)
    if (line) print(line)
    else draw()
  })
  const onVideo = await bus.subscribe('video-stats', (envelope) => {
    view = applyStats(view, 'video', envelope.body)
  })
  const onAudio = await bus.subscribe('audio-stats', (envelope) => {
    view = applyStats(view, 'audio', envelope.body)
  })

  // Where the call already is (`ivc call` attaches once media is up; a restart of the terminal mid-call).
  try {
    const status = await requestCall(bus, 'status')
    if (status.state === 'in-call' && status.peer) {
      view = applyCallEvent(applyCallEvent(view, 'call.started', {peer: status.peer}, clock.now()), 'call.media-up', {}, clock.now())
      if (status.sending?.local) view.local = {...view.local, ...status.sending.local}
      if (status.sending?.peer) view.remote = {...view.remote, ...status.sending.peer}
      keys.setMode(modeOf(view))
    }
  } catch {
    // No answer yet: the events will tell.
  }

  const onData = (chunk: Buffer | string) => {
    for (const action of keys.feed(String(chunk))) act(action)
  }

  input.setRawMode(true)
  input.on('data', onData)
  input.resume()
  const ticker = clock.setInterval(draw, 1000)
  draw()
  return {
    print: (line) => print(printable(line)),
    async close() {
      if (closed) return
      clock.clearTimeout(ticker)
      output.write(CLEAR_LINE)
      closed = true
      input.off('data', onData)
      input.setRawMode(false)
      input.pause()
      await Promise.all([onCall(), onVideo(), onAudio()])
    },
  }
}
