import type {PageRequest, Person, ScreenView} from '../src/ui/page-types.js'
import {button, el, setToggle} from './dom.js'

export const CAMERA = {on: 'Camera on', off: 'Camera off'}
export const MIC = {on: 'Mic on', off: 'Mic off'}

/** Home: your name and Save, camera and microphone for the next call, and the people online with a call button each. */
export function homeScreen(send: (request: PageRequest) => void) {
  const name = el('input', {id: 'name', name: 'name', autocomplete: 'username', maxlength: '32', required: '', 'aria-label': 'Your name'})
  const form = el('form', {id: 'name-form', class: 'row'}, el('label', {for: 'name'}, 'Your name'), name, el('button', {id: 'save', type: 'submit'}, 'Save'))
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    send({v: 1, type: 'save-name', name: name.value.trim()})
  })
  const camera = button('home-camera', CAMERA.on, 'toggle')
  const mic = button('home-mic', MIC.on, 'toggle')
  let view: ScreenView | undefined
  camera.addEventListener('click', () => view && send({v: 1, type: 'media', kind: 'video', on: !view.local.video}))
  mic.addEventListener('click', () => view && send({v: 1, type: 'media', kind: 'audio', on: !view.local.audio}))
  const list = el('ol', {id: 'people'})
  const empty = el('p', {id: 'people-empty', class: 'empty'}, 'Nobody else is online yet. Ask a friend to run ivc ui.')
  const root = el('section', {id: 'home', class: 'screen'}, form, el('div', {class: 'row'}, camera, mic), el('h2', {}, 'People online'), list, empty)
  return {
    root,
    update(next: ScreenView) {
      // The field keeps what is being typed; it follows the saved name only when the name changed.
      if (view?.user !== next.user) name.value = next.user
      view = next
      setToggle(camera, next.local.video, CAMERA)
      setToggle(mic, next.local.audio, MIC)
    },
    people(people: Person[]) {
      list.replaceChildren(
        ...people.map((person) => {
          const call = el('button', {type: 'button', class: 'call', 'data-peer': person.name, 'aria-label': `Call ${person.name}`}, 'Call')
          if (person.status === 'in-call') call.disabled = true
          call.addEventListener('click', () => send({v: 1, type: 'call', peer: person.name}))
          return el('li', {}, el('span', {class: 'person'}, person.name), person.status === 'in-call' && el('span', {class: 'status'}, 'in a call'), call)
        }),
      )
      empty.hidden = people.length > 0
    },
  }
}
