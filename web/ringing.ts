import type {PageRequest, ScreenView} from '../src/ui/page-types.js'
import {button, el, setToggle} from './dom.js'
import {CAMERA, MIC} from './home.js'

/** Calling: "Calling NAME…", camera toggle, red cancel, mic toggle. */
export function callingScreen(send: (request: PageRequest) => void) {
  const title = el('h2', {id: 'calling-title'})
  const camera = button('calling-camera', CAMERA.on, 'toggle')
  const cancel = button('cancel', 'Cancel', 'red')
  const mic = button('calling-mic', MIC.on, 'toggle')
  let view: ScreenView | undefined
  camera.addEventListener('click', () => view && send({v: 1, type: 'media', kind: 'video', on: !view.local.video}))
  mic.addEventListener('click', () => view && send({v: 1, type: 'media', kind: 'audio', on: !view.local.audio}))
  cancel.addEventListener('click', () => send({v: 1, type: 'hangup'}))
  return {
    root: el('section', {id: 'calling', class: 'screen'}, title, el('div', {class: 'row controls'}, camera, cancel, mic)),
    update(next: ScreenView) {
      view = next
      title.textContent = `Calling ${next.peer ?? ''}…`
      setToggle(camera, next.local.video, CAMERA)
      setToggle(mic, next.local.audio, MIC)
    },
  }
}

/** Incoming: "Receiving call from NAME…", green accept, red decline, and a ring while it lasts. */
export function incomingScreen(send: (request: PageRequest) => void) {
  const title = el('h2', {id: 'incoming-title'})
  const accept = button('accept', 'Accept', 'green')
  const decline = button('decline', 'Decline', 'red')
  accept.addEventListener('click', () => send({v: 1, type: 'accept'}))
  decline.addEventListener('click', () => send({v: 1, type: 'decline'}))
  return {
    root: el('section', {id: 'incoming', class: 'screen'}, title, el('div', {class: 'row controls'}, accept, decline)),
    update(next: ScreenView) {
      title.textContent = `Receiving call from ${next.peer ?? ''}…`
    },
  }
}

/** Two short tones every two seconds, made here (nothing is fetched); a browser that blocks sound just stays silent. */
export class Ring {
  #context: AudioContext | undefined
  #timer: number | undefined

  start(): void {
    if (this.#timer !== undefined) return
    try {
      this.#context ??= new AudioContext()
    } catch {
      return
    }

    const beep = () => {
      const context = this.#context!
      for (const offset of [0, 0.25]) {
        const tone = context.createOscillator()
        const gain = context.createGain()
        tone.frequency.value = 440
        gain.gain.value = 0.1
        tone.connect(gain).connect(context.destination)
        tone.start(context.currentTime + offset)
        tone.stop(context.currentTime + offset + 0.2)
      }
    }

    beep()
    this.#timer = window.setInterval(beep, 2000)
  }

  stop(): void {
    window.clearInterval(this.#timer)
    this.#timer = undefined
  }
}
