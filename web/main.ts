import {decodePageMedia} from '../src/ui/page-media.js'
import type {PageEvent, PageRequest, ScreenView} from '../src/ui/page-types.js'
import {AudioOut} from './audio-out.js'
import {el} from './dom.js'
import {homeScreen} from './home.js'
import {onCallScreen} from './on-call.js'
import {callingScreen, incomingScreen, Ring} from './ringing.js'

/**
 * The page of `ivc ui`: four screens, one WebSocket to the ui process. The ui process owns the state (which screen,
 * who, what is on); the page draws each view it is sent and sends back what the person did.
 */
const token = new URLSearchParams(location.search).get('token') ?? ''
const socket = new WebSocket(`ws://${location.host}/ws?token=${encodeURIComponent(token)}`)
socket.binaryType = 'arraybuffer'
const send = (request: PageRequest) => {
  if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(request))
}

const home = homeScreen(send)
const calling = callingScreen(send)
const incoming = incomingScreen(send)
const onCall = onCallScreen(send)
const ring = new Ring()
const audio = new AudioOut(`/audio-worklet.js?token=${encodeURIComponent(token)}`)
const screens = {home: home.root, calling: calling.root, incoming: incoming.root, 'on-call': onCall.root}
const who = el('span', {id: 'who'})
const notice = el('p', {id: 'notice', role: 'status'})
const error = el('p', {id: 'error', role: 'alert'})
notice.hidden = true
error.hidden = true
document.body.append(
  el('header', {}, el('h1', {}, 'ivc'), who),
  notice,
  error,
  el('main', {}, ...Object.values(screens)),
  el('footer', {}, 'Keys: m mute · v video · h hang up · Enter accept · s stats · Esc leaves a text field'),
)
let view: ScreenView | undefined

function show(next: ScreenView): void {
  const changed = view?.screen !== next.screen
  view = next
  document.body.dataset.screen = next.screen
  for (const [name, root] of Object.entries(screens)) root.hidden = name !== next.screen
  who.textContent = next.user
  notice.textContent = next.notice ?? ''
  notice.hidden = !next.notice || next.screen !== 'home'
  if (changed) error.hidden = true
  home.update(next)
  calling.update(next)
  incoming.update(next)
  onCall.update(next)
  if (next.screen === 'incoming') ring.start()
  else ring.stop()
}

socket.addEventListener('message', (message) => {
  // Binary messages are media (src/ui/page-media.ts); text ones are events.
  if (message.data instanceof ArrayBuffer) {
    media(new Uint8Array(message.data))
    return
  }

  const event = JSON.parse(String(message.data)) as PageEvent
  switch (event.type) {
    case 'view':
      show(event.view)
      break
    case 'people':
      home.people(event.people)
      break
    case 'chat':
      onCall.chat(event.direction, event.text)
      break
    case 'stats':
      onCall.stats(event.streams)
      break
    case 'error':
      error.textContent = event.message
      error.hidden = false
      break
  }
})
/** A frame of the peer's video or audio, or of one's own video, to its canvas or the audio worklet. */
function media(message: Uint8Array<ArrayBuffer>): void {
  const decoded = decodePageMedia(message)
  if (!decoded.ok) return
  const {stream, payload, handedUs} = decoded.value
  if (stream === 'audio') return audio.play(payload)
  // Done with it: the next picture of the stream may come; the ui process measures the page path from the hand-over.
  const taken = (painted: boolean) => send({v: 1, type: 'taken', stream, handedUs, painted})
  const jpeg = new Blob([payload], {type: 'image/jpeg'})
  if (stream === 'self-view') onCall.selfFrame(jpeg, taken)
  else onCall.frame(jpeg, taken)
}

socket.addEventListener('close', () => {
  error.textContent = 'The connection to ivc ui was lost: is it still running? Start it again and open the URL it prints.'
  error.hidden = false
  document.body.dataset.connection = 'closed'
})
socket.addEventListener('open', () => (document.body.dataset.connection = 'open'))

/** m, v, h, Enter, s: the same as the buttons, except while typing in a field. */
document.addEventListener('keydown', (event) => {
  if (!view || event.ctrlKey || event.metaKey || event.altKey) return
  const target = event.target as HTMLElement | null
  if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA')) {
    // Escape leaves the field, so the keys work again.
    if (event.key === 'Escape') target.blur()
    return
  }

  const key = event.key.toLowerCase()
  const inCall = view.screen === 'on-call' || view.screen === 'calling'
  if (key === 'm' && view.screen !== 'incoming') send({v: 1, type: 'media', kind: 'audio', on: !view.local.audio})
  else if (key === 'v' && view.screen !== 'incoming') send({v: 1, type: 'media', kind: 'video', on: !view.local.video})
  else if (key === 'h' && inCall) send({v: 1, type: 'hangup'})
  else if (key === 'h' && view.screen === 'incoming') send({v: 1, type: 'decline'})
  else if (key === 'enter' && view.screen === 'incoming') send({v: 1, type: 'accept'})
  else if (key === 's' && view.screen === 'on-call') onCall.toggleStats()
  else return
  event.preventDefault()
})
