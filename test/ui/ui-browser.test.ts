import {execFileSync} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {mkdir, mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {randomUUID} from 'node:crypto'
import {fileURLToPath} from 'node:url'

import {type BrowserContext, chromium, type Page} from 'playwright-core'
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest'
import WebSocket from 'ws'

import {readSeq, stampHeight} from '../../src/media/video/frame-stamp.js'
import {killAll, lineLog, startCli} from '../support/cli.js'

const redis = inject('redisUrl')
const name = (prefix: string) => `${prefix}${randomUUID().slice(0, 6)}`
const common = ['--redis', redis, '--address', '127.0.0.1', '--heartbeat-ms', '200', '--expiry-ms', '1000', '--size', '320x240', '--video-connections', '4', '--audio-connections', '2', '--json']
/**
 * Where the screenshots go: with IVC_UPDATE_SCREENSHOTS=1, over the ones the README shows (docs/ui/); otherwise a
 * temporary directory, so a test run leaves the working tree as it found it.
 */
const SHOTS = process.env.IVC_UPDATE_SCREENSHOTS === '1' ? fileURLToPath(new URL('../../docs/ui/', import.meta.url)) : `${mkdtempSync(join(tmpdir(), 'ivc-ui-shots-'))}/`
const STEP_MS = 60_000

let context: BrowserContext
let profile: string

beforeAll(async () => {
  profile = await mkdtemp(join(tmpdir(), 'ivc-ui-chromium-'))
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    // Audio plays without a click on the page (a person's click starts it; the test has none to give).
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
    viewport: {width: 1024, height: 720},
  })
  await mkdir(SHOTS, {recursive: true})
}, 60_000)

afterAll(async () => {
  await context?.close()
  await killAll()
  if (profile) await rm(profile, {recursive: true, force: true})
  if (process.env.IVC_UPDATE_SCREENSHOTS !== '1') await rm(SHOTS, {recursive: true, force: true})
})

/** `ivc ui` for `user`, as a person starts it; resolves with the URL it printed. */
async function startUi(user: string): Promise<{url: string}> {
  const child = startCli(['ui', '--user', user, '--call-port', '0', '--no-open', ...common])
  const log = lineLog(child)
  const line = await log.waitFor((text) => text.includes('"serving"'), STEP_MS)
  return {url: JSON.parse(line).url}
}

/** What the pages reported as errors (a CSP violation, a failed request, an exception): there must be none. */
const pageErrors: string[] = []

async function open(url: string): Promise<Page> {
  const page = await context.newPage()
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`${page.url()}: ${message.text()}`)
  })
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`))
  await page.goto(url)
  await page.waitForFunction(() => document.body.dataset.connection === 'open', undefined, {timeout: STEP_MS})
  return page
}

const screenOf = (page: Page) => page.evaluate(() => document.body.dataset.screen)
const waitForScreen = (page: Page, screen: string) => page.waitForFunction((wanted) => document.body.dataset.screen === wanted, screen, {timeout: STEP_MS})
const text = (page: Page, selector: string) => page.locator(selector).innerText()

// The two cases share the browser but no page, user or process, so they run side by side.
describe.concurrent('ivc ui in a real browser: two people, their ui processes, Redis and TCP', () => {
  it('goes online, calls, declines, answers, chats, toggles and hangs up from the page', async ({expect}) => { // its own expect: expect.poll must know its case, and cases run concurrently
    const bob = name('bob')
    const aliceFirst = name('ann')
    const alice = name('alice')
    const [aliceUi, bobUi] = await Promise.all([startUi(aliceFirst), startUi(bob)])
    const [alicePage, bobPage] = await Promise.all([open(aliceUi.url), open(bobUi.url)])
    expect(await screenOf(alicePage)).toBe('home')

    // Home → Home: alice saves another name; she goes online under it and bob sees her by it.
    await alicePage.fill('#name', alice)
    await alicePage.click('#save')
    await alicePage.waitForFunction((wanted) => document.querySelector('#who')?.textContent === wanted, alice, {timeout: STEP_MS})
    await bobPage.locator('#people li', {hasText: alice}).waitFor({timeout: STEP_MS})
    const bobRow = alicePage.locator('#people li', {hasText: bob})
    await bobRow.waitFor({timeout: STEP_MS})
    // Someone else comes online: alice's list shows them, and bob's row (his Call button) stays the same element, so a
    // click on it is never lost to a list built anew.
    const bobButton = await bobRow.locator('button.call').elementHandle()
    const dan = name('dan')
    startCli(['presence', '--user', dan, '--redis', redis, '--address', '127.0.0.1', '--call-port', '9', '--heartbeat-ms', '200', '--expiry-ms', '1000'])
    await alicePage.locator('#people li', {hasText: dan}).waitFor({timeout: STEP_MS})
    expect(await bobButton!.evaluate((element) => element.isConnected)).toBe(true)
    await alicePage.screenshot({path: `${SHOTS}home.png`})

    // Home → Calling, and bob's Home → Incoming with alice's name; bob declines: both Home, each told why.
    await bobRow.locator('button.call').click()
    await waitForScreen(alicePage, 'calling')
    expect(await text(alicePage, '#calling-title')).toBe(`Calling ${bob}…`)
    await waitForScreen(bobPage, 'incoming')
    expect(await text(bobPage, '#incoming-title')).toBe(`Receiving call from ${alice}…`)
    await alicePage.screenshot({path: `${SHOTS}calling.png`})
    await bobPage.screenshot({path: `${SHOTS}incoming.png`})
    await bobPage.click('#decline')
    await Promise.all([waitForScreen(alicePage, 'home'), waitForScreen(bobPage, 'home')])
    expect(await text(alicePage, '#notice')).toBe(`${bob} declined the call.`)
    expect(await text(bobPage, '#notice')).toBe(`You declined the call from ${alice}.`)

    // A second call, answered from the keyboard (Enter): both On call.
    await bobRow.locator('button.call').click()
    await waitForScreen(bobPage, 'incoming')
    await bobPage.keyboard.press('Enter')
    await Promise.all([waitForScreen(alicePage, 'on-call'), waitForScreen(bobPage, 'on-call')])

    // Each page names the peer by key, as ivc control status does: the same safety number on both, not yet verified.
    const identityLine = async (page: Page) => {
      await page.locator('#identity', {hasText: 'Safety number'}).waitFor({timeout: STEP_MS})
      return text(page, '#identity')
    }
    const [aliceIdentity, bobIdentity] = await Promise.all([identityLine(alicePage), identityLine(bobPage)])
    const safetyNumberIn = (line: string) => /Safety number (\d{5}(?: \d{5}){5}) \(not verified/.exec(line)?.[1]
    expect(safetyNumberIn(aliceIdentity)).toBeDefined()
    expect(safetyNumberIn(bobIdentity)).toBe(safetyNumberIn(aliceIdentity))
    expect(aliceIdentity).toMatch(new RegExp(`^${bob}'s key SHA256:[A-Za-z0-9+/]{43}\n`))
    expect(bobIdentity).toMatch(new RegExp(`^${alice}'s key SHA256:[A-Za-z0-9+/]{43}\n`))

    // Each page paints the peer's video and its own in the corner, and both move: the frame numbers each synthetic
    // source stamps into its pixels, read back from the canvases, increase. The peer's audio reaches the page's
    // worklet, frame after frame.
    for (const page of [alicePage, bobPage]) {
      for (const canvas of ['#remote-video', '#self-view']) {
        let first: number | undefined
        await expect.poll(async () => (first = await canvasStamp(page, canvas)), {timeout: STEP_MS}).toBeTypeOf('number')
        await expect.poll(() => canvasStamp(page, canvas), {timeout: STEP_MS}).toBeGreaterThan(first!)
      }

      const audioFrames = () => page.evaluate(() => Number(document.body.dataset.audioFrames ?? 0))
      await expect.poll(audioFrames, {timeout: STEP_MS}).toBeGreaterThan(0)
      const heard = await audioFrames()
      await expect.poll(audioFrames, {timeout: STEP_MS}).toBeGreaterThan(heard)
    }

    // Chat both ways; markup in a message is shown as the text it is.
    const hostile = '<script>window.pwned = 1</script><b>bold?</b>'
    await alicePage.fill('#chat-input', hostile)
    await alicePage.press('#chat-input', 'Enter')
    await bobPage.locator('#chat-log li.in', {hasText: '<script>'}).waitFor({timeout: STEP_MS})
    expect(await text(bobPage, '#chat-log li.in')).toBe(`${alice}: ${hostile}`)
    expect(await bobPage.locator('#chat-log script, #chat-log b:not(:first-child)').count()).toBe(0)
    expect(await bobPage.evaluate(() => (window as unknown as {pwned?: number}).pwned)).toBeUndefined()
    await bobPage.fill('#chat-input', 'hi alice')
    await bobPage.press('#chat-input', 'Enter')
    await alicePage.locator('#chat-log li.in', {hasText: 'hi alice'}).waitFor({timeout: STEP_MS})
    await alicePage.locator('#chat-log li.out', {hasText: '<script>'}).waitFor({timeout: STEP_MS})

    // alice leaves the chat field (Esc) and mutes with m, bob turns his camera off with the button: each shows on
    // the other page.
    await alicePage.press('#chat-input', 'Escape')
    await alicePage.keyboard.press('m')
    await bobPage.locator('#peer-state', {hasText: `${alice} is muted`}).waitFor({timeout: STEP_MS})
    await alicePage.locator('#mic[aria-pressed="true"]').waitFor({timeout: STEP_MS})

    // The live numbers on demand, once the streams have reported (bob's page, with alice's video and her mute).
    await bobPage.click('#stats-toggle')
    await bobPage.locator('#stats th', {hasText: 'video-in'}).waitFor({timeout: STEP_MS})
    // What the page path adds to alice's video (the receiver's hand-over → painted), from the frames just painted.
    await bobPage.locator('#stats tr', {hasText: 'video-in'}).locator('td.page-path', {hasText: /^p50 \d+(\.\d)? \/ p95 \d+(\.\d)? ms$/}).waitFor({timeout: STEP_MS})
    await bobPage.screenshot({path: `${SHOTS}on-call.png`})
    await bobPage.click('#camera')
    await alicePage.locator('#peer-state', {hasText: `${bob} turned the camera off`}).waitFor({timeout: STEP_MS})

    // bob hangs up with h: both back Home.
    await bobPage.press('#chat-input', 'Escape')
    await bobPage.keyboard.press('h')
    await Promise.all([waitForScreen(alicePage, 'home'), waitForScreen(bobPage, 'home')])
    expect(await text(alicePage, '#notice')).toBe(`${bob} hung up.`)
    expect(await text(bobPage, '#notice')).toBe(`Call with ${alice} ended.`)

    expect(pageErrors).toEqual([])

    // A third call, and every process of bob's dies at once (a crash, a power cut): alice's page says the call
    // dropped and is Home again.
    await bobRow.locator('button.call').click()
    await waitForScreen(bobPage, 'incoming')
    await bobPage.click('#accept')
    await alicePage.locator('#chat-input:enabled').waitFor({timeout: STEP_MS})
    for (const pid of processesOf(bob)) process.kill(pid, 'SIGKILL')
    await waitForScreen(alicePage, 'home')
    expect(await text(alicePage, '#notice')).toBe(`Call dropped: the connection to ${bob} was lost.`)
    await bobPage.waitForFunction(() => document.body.dataset.connection === 'closed', undefined, {timeout: STEP_MS})
  }, 300_000)

  it('drives the ivc listen already running for the user, and refuses a request or WebSocket without the token or from another origin', async () => {
    const carol = name('carol')
    const listen = startCli(['listen', '--user', carol, '--port', '0', ...common])
    await lineLog(listen).waitFor((line) => line.includes('"event":"listening"'), STEP_MS)
    const {url} = await startUi(carol)
    // carol's one call component is still the listen started above: the ui process started no second one.
    expect(processesOf(carol).filter((pid) => commandOf(pid).includes(' listen '))).toEqual([listen.pid])
    const {origin, searchParams} = new URL(url)
    const token = searchParams.get('token')!
    expect((await fetch(`${origin}/`)).status).toBe(403)
    expect((await fetch(`${origin}/app.js?token=${'0'.repeat(token.length)}`)).status).toBe(403)
    const page = await fetch(url)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'")
    const ws = `ws://${new URL(url).host}/ws`
    expect(await upgrade(`${ws}`, origin)).toBe('refused 403')
    expect(await upgrade(`${ws}?token=${token}`, 'http://evil.example')).toBe('refused 403')
    expect(await upgrade(`${ws}?token=${token}`, undefined)).toBe('refused 403')
    expect(await upgrade(`${ws}?token=${token}`, origin)).toBe('open')
  }, 90_000)
})

/** The frame number stamped in the picture on a video canvas (media/video/frame-stamp.ts), if it has one. */
async function canvasStamp(page: Page, selector: string): Promise<number | undefined> {
  const {width, height} = await page.evaluate((wanted) => {
    const canvas = document.querySelector<HTMLCanvasElement>(wanted)!
    return {width: canvas.width, height: canvas.height}
  }, selector)
  // Only the top strip, where the stamp is. (The self-view's canvas takes its first picture's size: read at another
  // size, the strip does not fit and the read fails, to be retried.)
  const rgba = await page.evaluate(
    ({wanted, strip}) => {
      const canvas = document.querySelector<HTMLCanvasElement>(wanted)!
      return Array.from(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, strip).data)
    },
    {wanted: selector, strip: stampHeight(height)},
  )
  if (rgba.length !== width * stampHeight(height) * 4) return undefined
  const bgr = Buffer.alloc((rgba.length / 4) * 3)
  for (let pixel = 0; pixel < rgba.length / 4; pixel++) {
    bgr[pixel * 3] = rgba[pixel * 4 + 2]
    bgr[pixel * 3 + 1] = rgba[pixel * 4 + 1]
    bgr[pixel * 3 + 2] = rgba[pixel * 4]
  }

  return readSeq({width, height, format: 'bgr', data: bgr})
}

/** The pids of every ivc process of `user` (ui, listen, the call's components). */
function processesOf(user: string): number[] {
  return execFileSync('ps', ['-eo', 'pid,args'], {encoding: 'utf8'})
    .split('\n')
    .filter((line) => line.includes('run.js') && new RegExp(`--user ${user}(\\s|$)`).test(line))
    .map((line) => Number(line.trim().split(/\s+/)[0]))
}

function commandOf(pid: number): string {
  return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], {encoding: 'utf8'})
}

/** Try a WebSocket to the ui: `open`, or how it was refused. */
function upgrade(url: string, origin: string | undefined): Promise<string> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, origin === undefined ? {} : {origin})
    socket.on('open', () => {
      socket.close()
      resolve('open')
    })
    socket.on('unexpected-response', (_request, response) => resolve(`refused ${response.statusCode}`))
    socket.on('error', (error) => resolve(`error ${error.message}`))
  })
}
