import {randomUUID} from 'node:crypto'

import {execa, type ResultPromise} from 'execa'
import {afterAll, afterEach, beforeAll, describe, expect, inject, it} from 'vitest'

import {mediaPlanFromFlags} from '../../src/call/flags.js'
import {readSeq} from '../../src/media/video/frame-stamp.js'
import {STILL_BACKGROUND, stillFrame} from '../../src/media/video/still-frame.js'
import {overlaps} from '../../src/plugins/video/window-place.js'
import {killAll, lineLog, runCli, startCli, waitForLine} from '../support/cli.js'

/**
 * `ivc call` / `ivc listen` on a display (a real Xvfb) with real ffplay: the windows a call opens, read back from the
 * X server (xwininfo: title and geometry) and from the screen (ffmpeg's x11grab: what a window shows).
 */
const redis = inject('redisUrl')
const name = (prefix: string) => `${prefix}${randomUUID().slice(0, 6)}`
const common = ['--redis', redis, '--address', '127.0.0.1', '--heartbeat-ms', '200', '--expiry-ms', '1000', '--size', '320x240', '--video-connections', '2', '--no-audio']

let xvfb: ResultPromise
let display: string

beforeAll(async () => {
  // Xvfb picks a free display and prints its number once it accepts clients.
  xvfb = execa('Xvfb', ['-displayfd', '1', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {reject: false})
  display = `:${(await waitForLine(xvfb, 'stdout', (line) => /^\d+$/.test(line.trim()))).trim()}`
})

afterAll(async () => {
  xvfb.kill()
  await xvfb
})

afterEach(killAll)

interface Window {
  id: string
  title: string
  left: number
  top: number
  width: number
  height: number
}

let lastXwininfoError = ''

/** The X server's top-level windows that have a title: `0x200008 "ivc - bob": ("ffplay" "ffplay")  320x240+168+0  +168+0`. */
async function windows(): Promise<Window[]> {
  // A window that goes while xwininfo walks the tree makes it fail after listing the rest: what it listed still counts.
  const {stdout, stderr} = await execa('xwininfo', ['-root', '-tree'], {env: {DISPLAY: display}, reject: false})
  lastXwininfoError = stderr
  return [...stdout.matchAll(/^\s*(0x[\da-f]+) "(.*)": \(.*\)\s+(\d+)x(\d+)\+(-?\d+)\+(-?\d+)/gm)].map(([, id, title, width, height, left, top]) => ({id, title, left: Number(left), top: Number(top), width: Number(width), height: Number(height)}))
}

/**
 * `window` as the X server has it now, if it is on the screen (mapped). The tree lists unmapped windows too, and ffplay
 * sets its window's title and size before its place and maps it last (video_open): a window found by title and size
 * may still be where SDL created it, unmapped and centred on the screen, where a grab reads black. Once mapped it is
 * at its place: the geometry xwininfo reads after the map state is where it stays.
 */
async function shown(window: Window): Promise<Window | undefined> {
  const {stdout} = await execa('xwininfo', ['-id', window.id], {env: {DISPLAY: display}, reject: false})
  if (!/Map State:\s+IsViewable/.test(stdout)) return undefined
  const field = (label: string) => Number(new RegExp(`${label}:\\s+(-?\\d+)`).exec(stdout)?.[1])
  return {...window, left: field('Absolute upper-left X'), top: field('Absolute upper-left Y'), width: field('Width'), height: field('Height')}
}

/** Ask the X server (each query paces the next) until `titles` are all on the screen; returns those windows. */
async function windowsTitled(titles: string[], timeoutMs = 120_000, ready: (found: Window[]) => boolean = () => true, context: () => string = () => ''): Promise<Window[]> {
  const deadline = Date.now() + timeoutMs
  let seen: Window[] = []
  while (Date.now() < deadline) {
    seen = await windows()
    const found = titles.map((title) => seen.find((window) => window.title === title))
    if (!found.every(Boolean)) continue
    const onScreen = await Promise.all(found.map((window) => shown(window!)))
    // ffplay creates its window at a default size and sizes it for the first frame: `ready` waits for that.
    if (onScreen.every(Boolean) && ready(onScreen as Window[])) return onScreen as Window[]
  }

  throw new Error(`windows ${JSON.stringify(titles)} never all showed at their size; saw ${JSON.stringify(seen)}${context()}`)
}

/** What `window` shows, as gray pixels. */
async function grab(window: Window): Promise<Buffer | undefined> {
  const shot = await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'x11grab', '-video_size', `${window.width}x${window.height}`, '-i', `${display}+${window.left},${window.top}`, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], {encoding: 'buffer', reject: false})
  return shot.stdout.length === window.width * window.height ? Buffer.from(shot.stdout) : undefined
}

/** The share of pixels of `shot` within a JPEG's error of `expected`'s. */
function likeness(shot: Buffer, expected: Buffer): number {
  let near = 0
  for (let index = 0; index < shot.length; index++) if (Math.abs(shot[index] - expected[index]) < 48) near++
  return near / shot.length
}

/** Grab `window` (each grab paces the next) until `holds` says yes of what it shows. */
async function screenUntil(window: Window, holds: (pixels: Buffer) => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const pixels = await grab(window)
    if (pixels && holds(pixels)) return
  }

  throw new Error(`the window "${window.title}" never showed ${what}`)
}

describe('video you can use: ivc call / ivc listen on a display (Xvfb, real ffplay)', () => {
  it('shows the peer in a window titled with its name by default, a self-view beside it, never on top of each other; video-off shows a labelled still', async () => {
    const bob = name('bob')
    const alice = name('alice')
    const env = {DISPLAY: display}
    const listener = startCli(['listen', '--user', bob, '--port', '0', '--json', '--auto-accept', ...common], {env})
    const listenerLog = lineLog(listener)
    await listenerLog.waitFor((line) => line.includes('"event":"listening"'), 120_000)
    // No --video-sink on either side: with a display the peer's video opens in a window.
    const caller = startCli(['call', bob, '--user', alice, '--json', '--self-view', ...common], {env})
    const callerLog = lineLog(caller, 'stderr')
    await listenerLog.waitFor((line) => line.includes('"call.media-up"'), 120_000)

    // On failure, what both sides said: a window that never opens is an ffplay or a call that ended.
    const logs = () => `\nXvfb: ${xvfb.exitCode === null ? 'running' : `exited ${xvfb.exitCode}`}; xwininfo: ${lastXwininfoError || 'no error'}\nlistener:\n${listenerLog.lines.slice(-8).join('\n')}\ncaller (stderr):\n${callerLog.lines.slice(-8).join('\n')}`
    const [alicesVideo, bobsVideo, selfView] = await windowsTitled([`ivc - ${alice}`, `ivc - ${bob}`, `ivc - ${alice} (you)`], 120_000, ([peer, , self]) => peer.width === 320 && self.width === 160, logs)
    expect(alicesVideo).toMatchObject({width: 320, height: 240})
    expect(selfView).toMatchObject({width: 160, height: 120})
    for (const [a, b] of [[alicesVideo, bobsVideo], [alicesVideo, selfView], [bobsVideo, selfView]]) expect(overlaps(a, b), `${a.title} and ${b.title}`).toBe(false)

    // Live video first: the synthetic source's frame stamp reads back from the screen.
    await screenUntil(alicesVideo, (pixels) => readSeq({width: 320, height: 240, format: 'gray', data: pixels}) !== undefined, 'a live frame')
    const still = stillFrame(`${alice} turned video off`, 320, 240, 'gray').data
    const off = await runCli(['control', 'video-off', '--user', alice, '--redis', redis])
    expect(off.exitCode, off.stderr).toBe(0)
    await screenUntil(alicesVideo, (pixels) => likeness(pixels, still) > 0.97, `the still "${alice} turned video off"`)
    // Alice's self-view says so too.
    await screenUntil(selfView, (pixels) => pixels.filter((value) => Math.abs(value - STILL_BACKGROUND) < 24).length > pixels.length * 0.8, 'its video-off still')
    const on = await runCli(['control', 'video-on', '--user', alice, '--redis', redis])
    expect(on.exitCode, on.stderr).toBe(0)
    await screenUntil(alicesVideo, (pixels) => readSeq({width: 320, height: 240, format: 'gray', data: pixels}) !== undefined, 'live frames again')

    const hangup = await runCli(['control', 'hangup', '--user', alice, '--redis', redis])
    expect(hangup.exitCode, hangup.stderr).toBe(0)
    expect((await caller).exitCode).toBe(0)
    listener.kill('SIGINT')
    await listener
  }, 600_000)

  it('plays into the null sink when there is no display, and opens a window when there is one', () => {
    const flags = {video: true, audio: false, 'video-source': 'synthetic', 'audio-source': 'tone', 'audio-sink': 'null', size: '320x240', fps: 30, quality: 80, frequency: 440, 'video-connections': 4, 'audio-connections': 2, 'self-view': false}
    expect(mediaPlanFromFlags(flags, {}).video?.sink).toBe('null')
    expect(mediaPlanFromFlags(flags, {DISPLAY: display}).video?.sink).toBe('ffplay')
  })
})
