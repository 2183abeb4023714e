import type {PageEvent, PageRequest, PeerIdentity, ScreenView} from '../src/ui/page-types.js'
import {button, el, setToggle} from './dom.js'
import {CAMERA, MIC} from './home.js'

type Streams = Extract<PageEvent, {type: 'stats'}>['streams']
/** Tells the ui process the page is done with a picture (painted or not), so the next may come. */
type Taken = (painted: boolean) => void

/**
 * On call: the peer's video large, your own small in a corner, camera toggle, red hang-up, mic toggle; chat beside
 * the video; the live numbers on demand. What the peer turned off shows over their video.
 */
export function onCallScreen(send: (request: PageRequest) => void) {
  const remote = el('canvas', {id: 'remote-video', width: '640', height: '480', 'aria-label': 'The peer\'s video'})
  const self = el('canvas', {id: 'self-view', width: '160', height: '120', 'aria-label': 'Your own video'})
  const peerState = el('p', {id: 'peer-state', class: 'peer-state', role: 'status'})
  const security = el('p', {id: 'security', class: 'security'})
  const identity = el('p', {id: 'identity', class: 'security'})
  const camera = button('camera', CAMERA.on, 'toggle')
  const hangup = button('hangup', 'Hang up', 'red')
  const mic = button('mic', MIC.on, 'toggle')
  const statsToggle = button('stats-toggle', 'Stats', 'toggle')
  const stats = el('table', {id: 'stats', class: 'stats'})
  stats.hidden = true
  const log = el('ol', {id: 'chat-log', 'aria-live': 'polite'})
  const input = el('input', {id: 'chat-input', maxlength: '2000', autocomplete: 'off', 'aria-label': 'Message'})
  const sendButton = el('button', {type: 'submit'}, 'Send')
  const chatForm = el('form', {id: 'chat-form', class: 'row'}, input, sendButton)
  let view: ScreenView | undefined
  let statsTimer: number | undefined
  // The peer's pictures fill the large canvas; one's own keep their size (CSS shrinks them into the corner).
  const video = new FramePainter(remote, 'fill', 'framesPainted')
  const selfVideo = new FramePainter(self, 'native', 'selfFramesPainted')
  camera.addEventListener('click', () => view && send({v: 1, type: 'media', kind: 'video', on: !view.local.video}))
  mic.addEventListener('click', () => view && send({v: 1, type: 'media', kind: 'audio', on: !view.local.audio}))
  hangup.addEventListener('click', () => send({v: 1, type: 'hangup'}))
  chatForm.addEventListener('submit', (event) => {
    event.preventDefault()
    const text = input.value.trim()
    if (!text) return
    send({v: 1, type: 'chat', text})
    input.value = ''
  })
  const showStats = (on: boolean) => {
    stats.hidden = !on
    statsToggle.setAttribute('aria-pressed', String(on))
    window.clearInterval(statsTimer)
    statsTimer = undefined
    if (!on) return
    send({v: 1, type: 'stats'})
    statsTimer = window.setInterval(() => send({v: 1, type: 'stats'}), 1000)
  }

  statsToggle.addEventListener('click', () => showStats(stats.hidden))
  const stage = el('div', {class: 'stage'}, remote, self, peerState)
  const root = el(
    'section',
    {id: 'on-call', class: 'screen'},
    el('div', {class: 'call'}, security, identity, stage, el('div', {class: 'row controls'}, camera, hangup, mic, statsToggle), stats),
    el('aside', {class: 'chat'}, el('h2', {}, 'Chat'), log, chatForm),
  )
  return {
    root,
    update(next: ScreenView) {
      const entering = view?.screen !== 'on-call' && next.screen === 'on-call'
      view = next
      if (entering) {
        log.replaceChildren()
        video.reset()
        selfVideo.reset()
      }

      if (next.screen !== 'on-call') showStats(false)
      setToggle(camera, next.local.video, CAMERA)
      setToggle(mic, next.local.audio, MIC)
      const peer = next.peer ?? 'the peer'
      // Chat goes over the call's control connection: there is none to send on until the call is connected.
      input.disabled = !next.connected
      sendButton.disabled = !next.connected
      const notes = [!next.connected && `Connecting to ${peer}…`, next.stalled && `Reconnecting to ${peer}…`, !next.remote.video && `${peer} turned the camera off`, !next.remote.audio && `${peer} is muted`].filter(Boolean)
      peerState.textContent = notes.join(' · ')
      peerState.hidden = notes.length === 0
      security.textContent = next.secured ? `Encrypted call with ${peer} (TLS, key agreed for this call)` : ''
      showIdentity(identity, peer, next.identity)
      if (!next.remote.video) placeholder(remote, `${peer} (camera off)`)
      else if (video.painted === 0) placeholder(remote, peer)
      // Until one's own frames come (the sender shows a still of its own while video is off).
      if (selfVideo.painted === 0) placeholder(self, next.local.video ? 'you' : 'camera off')
    },
    chat(direction: 'in' | 'out', text: string) {
      const who = direction === 'in' ? (view?.peer ?? 'peer') : 'you'
      log.append(el('li', {class: direction}, el('b', {}, `${who}: `), text))
      log.scrollTop = log.scrollHeight
    },
    stats(streams: Streams) {
      const rows = Object.entries(streams).map(([name, numbers]) =>
        el(
          'tr',
          {},
          el('th', {}, name),
          el('td', {}, `${numbers?.fps ?? '-'} fps`),
          el('td', {}, `${numbers?.kbps ?? '-'} kbit/s`),
          el('td', {}, `p95 ${numbers?.latencyP95Ms ?? '-'} ms`),
          el('td', {class: 'page-path'}, numbers?.pagePathP95Ms ? `p50 ${numbers.pagePathP50Ms} / p95 ${numbers.pagePathP95Ms} ms` : ''),
          el('td', {}, numbers?.rung ?? ''),
        ),
      )
      stats.replaceChildren(el('tr', {}, el('th', {}, 'stream'), el('th', {}, 'rate'), el('th', {}, 'bitrate'), el('th', {}, 'latency'), el('th', {}, 'page path'), el('th', {}, 'adaptation')), ...rows)
    },
    /** A JPEG of the peer's video, as the ui process forwarded it; `taken` once it is painted or skipped. */
    frame(jpeg: Blob, taken: Taken) {
      if (view?.screen === 'on-call' && view.remote.video) video.paint(jpeg, taken)
      else taken(false)
    },
    /** A JPEG of one's own video (the sender's self-view). */
    selfFrame(jpeg: Blob, taken: Taken) {
      if (view?.screen === 'on-call') selfVideo.paint(jpeg, taken)
      else taken(false)
    },
    /** Whether the stats are shown (the `s` key toggles them too). */
    toggleStats() {
      showStats(stats.hidden)
    },
  }
}

/**
 * Paints JPEGs onto a canvas, decoded off the main thread (createImageBitmap). One decode at a time: a frame that
 * arrives meanwhile replaces the one waiting, so a slow page skips to the newest picture instead of queueing (the ui
 * process sends the next only once the page has taken the last, so that is rare). `fill`
 * scales each picture to the canvas; `native` gives the canvas each picture's size. How many were painted is in
 * `document.body.dataset[counter]`.
 */
class FramePainter {
  painted = 0
  #busy = false
  #waiting: {jpeg: Blob; taken: Taken} | undefined

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly fit: 'fill' | 'native',
    private readonly counter: string,
  ) {}

  reset(): void {
    this.painted = 0
    this.#waiting?.taken(false)
    this.#waiting = undefined
    document.body.dataset[this.counter] = '0'
  }

  paint(jpeg: Blob, taken: Taken): void {
    if (this.#busy) {
      this.#waiting?.taken(false)
      this.#waiting = {jpeg, taken}
      return
    }

    this.#busy = true
    createImageBitmap(jpeg)
      .then((bitmap) => {
        const {canvas} = this
        if (this.fit === 'native' && (canvas.width !== bitmap.width || canvas.height !== bitmap.height)) {
          canvas.width = bitmap.width
          canvas.height = bitmap.height
        }

        canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height)
        bitmap.close()
        this.painted++
        document.body.dataset[this.counter] = String(this.painted)
        taken(true)
      })
      .catch(() => taken(false))
      .finally(() => {
        this.#busy = false
        const next = this.#waiting
        this.#waiting = undefined
        if (next) this.paint(next.jpeg, next.taken)
      })
  }
}

/**
 * Who the peer is by key, as `ivc control status` says it: their key's fingerprint, the safety number to read to each
 * other, and whether it was compared. Text only, like everything of the peer's.
 */
function showIdentity(line: HTMLElement, peer: string, identity: PeerIdentity | undefined): void {
  line.hidden = !identity
  line.dataset.verified = String(identity?.verified ?? false)
  if (!identity) return line.replaceChildren()
  const check = identity.verified ? 'verified' : `not verified: read it to ${peer}, then run ivc trust ${peer} --verified`
  line.replaceChildren(`${peer}'s key ${identity.fingerprint}`, el('br'), `Safety number ${identity.safetyNumber} (${check})`)
}

/** Until the peer's video reaches the page (or while their camera is off), the area says whose video it is. */
function placeholder(canvas: HTMLCanvasElement, label: string): void {
  const context = canvas.getContext('2d')
  if (!context) return
  context.fillStyle = '#1d2430'
  context.fillRect(0, 0, canvas.width, canvas.height)
  context.fillStyle = '#c9d1dc'
  context.font = `${Math.round(canvas.height / 10)}px sans-serif`
  context.textAlign = 'center'
  context.textBaseline = 'middle'
  context.fillText(label, canvas.width / 2, canvas.height / 2)
}
