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
  const rows = new Map<string, {li: HTMLLIElement; status: HTMLSpanElement; call: HTMLButtonElement}>()
  const personRow = (peer: string) => {
    const call = el('button', {type: 'button', class: 'call', 'data-peer': peer, 'aria-label': `Call ${peer}`}, 'Call')
    call.addEventListener('click', () => send({v: 1, type: 'call', peer}))
    const status = el('span', {class: 'status'}, 'in a call')
    return {li: el('li', {}, el('span', {class: 'person'}, peer), status, call), status, call}
  }
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
    /**
     * Updates the rows in place, keyed by name: the list changes whenever anyone on the directory comes, goes or starts
     * a call, and a row built anew each time would take the Call button from under a click in progress.
     */
    people(people: Person[]) {
      const wanted = new Set(people.map((person) => person.name))
      for (const [peer, row] of rows) {
        if (wanted.has(peer)) continue
        row.li.remove()
        rows.delete(peer)
      }

      people.forEach((person, index) => {
        const row = rows.get(person.name) ?? personRow(person.name)
        rows.set(person.name, row)
        const inCall = person.status === 'in-call'
        row.status.hidden = !inCall
        row.call.disabled = inCall
        // A row moves only when it is out of place: one moved under the pointer is not where the click was aimed.
        if (list.children[index] !== row.li) list.insertBefore(row.li, list.children[index] ?? null)
      })
      empty.hidden = people.length > 0
    },
  }
}
