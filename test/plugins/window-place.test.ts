import {mkdtempSync, readdirSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {overlaps, placeWindow, WINDOW_GAP, type WindowRect} from '../../src/plugins/video/window-place.js'
import {claimWindow} from '../../src/plugins/video/window-slots.js'

const VGA = {width: 640, height: 480}
const rect = (left: number, top: number, size = VGA): WindowRect => ({left, top, ...size})

describe('where a window opens (placeWindow)', () => {
  it('alone: the top left corner', () => {
    expect(placeWindow(VGA, [])).toEqual({left: 0, top: 0})
  })

  it('beside the windows already open, with room for a border, while the row has room', () => {
    expect(placeWindow({width: 320, height: 240}, [rect(0, 0)])).toEqual({left: 640 + WINDOW_GAP.x, top: 0})
    expect(placeWindow({width: 600, height: 480}, [rect(0, 0), rect(648, 0)])).toEqual({left: 1296, top: 0})
  })

  it('below them once the row is full, with room for a title bar', () => {
    const row = [rect(0, 0), rect(648, 0), rect(1296, 0, {width: 600, height: 480})]
    expect(placeWindow(VGA, row)).toEqual({left: 0, top: 480 + WINDOW_GAP.y})
  })

  it('in a gap a closed window left', () => {
    expect(placeWindow(VGA, [rect(648, 0)])).toEqual({left: 0, top: 0})
  })

  it('never on top of a window it was given, whatever their sizes, while the screen has room', () => {
    const sizes = [VGA, {width: 320, height: 240}, {width: 160, height: 120}, {width: 480, height: 360}]
    const open: WindowRect[] = []
    for (let index = 0; index < 8; index++) {
      const size = sizes[index % sizes.length]
      const place = placeWindow(size, open)
      const placed = {...place, ...size}
      for (const other of open) expect(overlaps(placed, other), `window ${index} at ${JSON.stringify(place)}`).toBe(false)
      open.push(placed)
    }
  })

  it('on a full screen: cascades, so no two open exactly on top of each other', () => {
    const full = [rect(0, 0, {width: 1920, height: 1080})]
    const first = placeWindow(VGA, full)
    const second = placeWindow(VGA, [...full, {...first, ...VGA}])
    expect(second).not.toEqual(first)
  })
})

describe('claiming a place among ivc windows on one display (claimWindow)', () => {
  const directory = () => mkdtempSync(join(tmpdir(), 'ivc-windows-test-'))

  it('gives each window its own place, and a released place to the next', () => {
    const dir = directory()
    const peer = claimWindow(VGA, {directory: dir})
    const self = claimWindow({width: 320, height: 240}, {directory: dir})
    expect(peer).toMatchObject({left: 0, top: 0})
    expect(overlaps({...peer, ...VGA}, {...self, width: 320, height: 240})).toBe(false)
    expect(readdirSync(dir).sort()).toEqual(['0.json', '1.json'])
    peer.release()
    expect(claimWindow(VGA, {directory: dir})).toMatchObject({left: 0, top: 0})
  })

  it('ignores, and removes, the claim of a process that is gone, and a file that is not a claim', () => {
    const dir = directory()
    writeFileSync(join(dir, '0.json'), JSON.stringify({pid: 4_000_000, left: 0, top: 0, width: 640, height: 480}))
    writeFileSync(join(dir, '1.json'), 'not json')
    const place = claimWindow(VGA, {directory: dir, alive: (pid) => pid !== 4_000_000})
    expect(place).toMatchObject({left: 0, top: 0})
    expect(readdirSync(dir)).toEqual(['2.json'])
  })

  it('still places a window when the directory cannot be used', () => {
    const file = join(directory(), 'a-file')
    writeFileSync(file, '')
    const place = claimWindow(VGA, {directory: join(file, 'below')})
    expect(place).toMatchObject({left: 0, top: 0})
    place.release()
  })
})
