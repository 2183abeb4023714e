/**
 * The call terminal's keys (issue 15), as a pure reader: keys in, actions out. What a key means depends on the mode,
 * which the terminal sets from call events (`idle`, `incoming`, `in-call`); typing a chat line is a mode of its own.
 * Keys typed before a mode began were read in the mode before it, so a stray `y` typed while idle never answers a
 * call that rings later.
 */
export type TerminalMode = 'idle' | 'incoming' | 'in-call'

export type KeyAction =
  | {type: 'accept' | 'reject' | 'mute-toggle' | 'video-toggle' | 'hangup' | 'stats' | 'help' | 'interrupt'}
  | {type: 'chat-draft'; text: string}
  | {type: 'chat-send'; text: string}
  | {type: 'chat-cancel'}

const CTRL_C = '\u0003'
const ESC = '\u001B'
const BACKSPACE = new Set(['\u007F', '\b'])
const ENTER = new Set(['\r', '\n'])

/** One line of chat at most this long (the control protocol's own limit is larger). */
export const MAX_DRAFT = 500

export class KeyReader {
  #mode: TerminalMode = 'idle'
  #draft: string | undefined

  get mode(): TerminalMode {
    return this.#mode
  }

  /** The chat line being typed, if one is. */
  get draft(): string | undefined {
    return this.#draft
  }

  /** A new mode from the call's state; leaving a call drops a half-typed chat line. */
  setMode(mode: TerminalMode): KeyAction[] {
    this.#mode = mode
    if (this.#draft === undefined || mode === 'in-call') return []
    this.#draft = undefined
    return [{type: 'chat-cancel'}]
  }

  /** A chunk read from the terminal in raw mode: one key, or several pasted or typed quickly. */
  feed(chunk: string): KeyAction[] {
    const actions: KeyAction[] = []
    // An escape sequence (arrow keys, function keys) is one key that means nothing here; a lone ESC is a key.
    // eslint-disable-next-line no-control-regex -- matching escape sequences is the point
    for (const key of chunk.replaceAll(/\u001B\[[\d;]*[A-Za-z~]|\u001BO[A-Za-z]/g, '')) actions.push(...this.#key(key))
    return actions
  }

  #key(key: string): KeyAction[] {
    if (this.#draft !== undefined) return this.#chatKey(key)
    if (key === CTRL_C) return [{type: 'interrupt'}]
    if (key === '?') return [{type: 'help'}]
    if (this.#mode === 'incoming') {
      if (key === 'y' || key === 'a') return [{type: 'accept'}]
      if (key === 'n' || key === 'r') return [{type: 'reject'}]
      return []
    }

    if (this.#mode !== 'in-call') return []
    switch (key) {
      case 'm': {
        return [{type: 'mute-toggle'}]
      }

      case 'v': {
        return [{type: 'video-toggle'}]
      }

      case 'h': {
        return [{type: 'hangup'}]
      }

      case 's': {
        return [{type: 'stats'}]
      }

      case 'c':
      case '\r':
      case '\n': {
        this.#draft = ''
        return [{type: 'chat-draft', text: ''}]
      }

      default: {
        return []
      }
    }
  }

  #chatKey(key: string): KeyAction[] {
    const draft = this.#draft ?? ''
    if (key === CTRL_C || key === ESC) {
      this.#draft = undefined
      return [{type: 'chat-cancel'}]
    }

    if (ENTER.has(key)) {
      this.#draft = undefined
      const text = draft.trim()
      return text ? [{type: 'chat-send', text}] : [{type: 'chat-cancel'}]
    }

    if (BACKSPACE.has(key)) this.#draft = [...draft].slice(0, -1).join('')
    // Printable text only: no control character reaches the line or the peer.
    // eslint-disable-next-line no-control-regex -- keeping control characters out is the point
    else if (!/[\u0000-\u001F\u007F-\u009F]/.test(key) && draft.length < MAX_DRAFT) this.#draft = draft + key
    else return []
    return [{type: 'chat-draft', text: this.#draft}]
  }
}
