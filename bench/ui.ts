// Suite `ui`: what `ivc ui`'s page path costs at 640x480@30. alice runs `ivc listen --auto-accept` (synthetic video,
// tone, null sinks); bob runs `ivc ui` (its defaults: the peer's video and audio and his self-view in the page) and
// calls her from his page in headless Debian chromium (/usr/bin/chromium, through playwright-core). Measured: the
// latency the page path adds to alice's video (bob's receiver's hand-over → painted in the page, one clock: the ui
// process's summary over the call, src/ui/page-latency.ts), the frames painted a second, and the CPU of bob's ui
// process (/proc, % of one core) over the steady state: from WARMUP_S after the first painted frame to SECONDS; beside
// them, the frames bob's receiver handed over a second (call.stats) and the host's load, since the page paints fewer
// when the browser is starved.
// IVC_BENCH_UI_SECONDS sets the call's length (default 20).
import {mkdtempSync, rmSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {execa, type ResultPromise} from 'execa'
import {chromium} from 'playwright-core'

import {Bus} from '../src/bus/bus.js'
import {startPrivateRedis} from '../src/bus/private-redis.js'
import {createLogger} from '../src/foundation/logger.js'
import type {Row, Suite} from './run.js'
import {cpuSeconds} from './video.js'

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const SECONDS = Number(process.env.IVC_BENCH_UI_SECONDS ?? 20)
const WARMUP_S = Math.min(5, SECONDS / 4)
const STEP_MS = 60_000

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The first stdout line of `child` that contains `text`. */
function lineWith(child: ResultPromise, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const line = buffered.split('\n').find((candidate) => candidate.includes(text))
      if (line) resolve(line)
    })
    void child.then((result) => reject(new Error(`${child.spawnargs.slice(2, 4).join(' ')} ended before "${text}": ${String(result.stderr).slice(-500)}`)))
  })
}

export const uiSuite: Suite = {
  name: 'ui',
  description: `ivc ui's page path at 640x480@30 on loopback, one ${SECONDS} s call into headless chromium: hand-over → painted over the call, painted fps and the ui process's CPU % of one core over the steady state (${WARMUP_S} s after the first painted frame to the end)`,
  async run() {
    const redis = await startPrivateRedis()
    const config = mkdtempSync(join(tmpdir(), 'ivc-bench-ui-config-'))
    const profile = mkdtempSync(join(tmpdir(), 'ivc-bench-ui-chromium-'))
    const env = {...process.env, XDG_CONFIG_HOME: config}
    const common = ['--redis', redis.url, '--address', '127.0.0.1', '--size', '640x480', '--fps', '30', '--json']
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
      viewport: {width: 1024, height: 720},
    })
    const alice = execa('node', [BIN, 'listen', '--user', 'alice', '--port', '0', '--auto-accept', '--video-sink', 'null', '--audio-sink', 'null', ...common], {env, reject: false})
    let bob: ResultPromise | undefined
    let bus: Bus | undefined
    try {
      await lineWith(alice, '"listening"')
      bob = execa('node', [BIN, 'ui', '--user', 'bob', '--call-port', '0', '--no-open', ...common], {env, reject: false})
      const {url} = JSON.parse(await lineWith(bob, '"serving"')) as {url: string}
      bus = await Bus.connect({redis: redis.url, user: 'bob', component: 'bench', logger: createLogger('error', 'bench', () => undefined)})
      const page = await browser.newPage()
      await page.goto(url)
      await page.locator('#people li', {hasText: 'alice'}).locator('button.call').click({timeout: STEP_MS})
      await page.waitForFunction(() => Number(document.body.dataset.framesPainted ?? 0) > 0, undefined, {timeout: STEP_MS})
      const painted = () => page.evaluate(() => Number(document.body.dataset.framesPainted ?? 0))
      const callStart = Date.now()
      await sleep(WARMUP_S * 1000)
      const [cpuFrom, paintedFrom, from] = [cpuSeconds(bob.pid), await painted(), Date.now()]
      await sleep(Math.max(0, callStart + SECONDS * 1000 - Date.now()))
      const [cpuTo, paintedTo, seconds] = [cpuSeconds(bob.pid), await painted(), (Date.now() - from) / 1000]
      // What bob's receiver handed over a second (the page paints fewer when it cannot keep up), and how busy the host was.
      const stats = await bus.request('call', 'call.stats', {}, {timeoutMs: 10_000})
      const load = loadavg()[0]
      const audioFrames = await page.evaluate(() => Number(document.body.dataset.audioFrames ?? 0))
      const selfPainted = await page.evaluate(() => Number(document.body.dataset.selfFramesPainted ?? 0))
      // ivc ui's summary, its last line when it stops: the page path over the whole call.
      bob.kill('SIGINT')
      const result = await bob
      const summary = JSON.parse(String(result.stdout).trim().split('\n').at(-1)!) as {pagePath: {painted: number; latencyMs: {p50: number; p95: number; max: number}}}
      const round1 = (value: number) => Math.round(value * 10) / 10
      return [
        {
          case: 'ivc ui 640x480@30, peer video + audio + self-view',
          'page path p50 ms': summary.pagePath.latencyMs.p50,
          'page path p95 ms': summary.pagePath.latencyMs.p95,
          'page path max ms': summary.pagePath.latencyMs.max,
          'received fps': round1(Number(stats.video?.receiver?.fps ?? Number.NaN)),
          'painted fps': round1((paintedTo - paintedFrom) / seconds),
          'ui CPU %': cpuFrom === undefined || cpuTo === undefined ? null : round1((100 * (cpuTo - cpuFrom)) / seconds),
          'frames measured': summary.pagePath.painted,
          'self-view painted': selfPainted,
          'audio frames in worklet': audioFrames,
          'load (1 min)': round1(load),
        },
      ] satisfies Row[]
    } finally {
      await bus?.close()
      bob?.kill('SIGINT')
      alice.kill('SIGINT')
      await Promise.all([bob, alice])
      await browser.close()
      await redis.stop()
      rmSync(config, {recursive: true, force: true})
      rmSync(profile, {recursive: true, force: true})
    }
  },
}
