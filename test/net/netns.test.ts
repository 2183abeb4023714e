import {setTimeout as delay} from 'node:timers/promises'

import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ADDRESS_A, ADDRESS_B, bulkTransfer, cleanupStaleLinks, createLink, firstLine, type NetLink, netnsSupport, NETNS_PREFIX, rateKbit, startDelayRelay} from '../support/netns.js'

const support = await netnsSupport()
if (!support.ok && !support.missing) console.warn(`SKIPPED netns link tests: ${support.reason}`)

// A missing tool is a failure with its install hint; only a machine that cannot make namespaces skips, saying why.
describe.skipIf(!support.ok && !support.missing)('netns link harness', () => {
  let link: NetLink

  beforeAll(async () => {
    if (!support.ok) throw new Error(support.reason)
    link = await createLink()
  })

  afterAll(async () => {
    await link?.close()
  })

  it('joins two namespaces that see each other and nothing of the host', async () => {
    const addresses = await execa('ip', ['-n', link.nsA, '-o', '-4', 'addr', 'show'], {timeout: 5000})
    expect(addresses.stdout).toContain(`${ADDRESS_A}/30`)
    expect(addresses.stdout).not.toMatch(/eth0/)
    const routes = await execa('ip', ['-n', link.nsA, 'route', 'get', '8.8.8.8'], {reject: false, timeout: 5000})
    expect(routes.exitCode, 'no route out of the namespace').not.toBe(0)
  })

  it('limits a TCP bulk transfer to the tbf rate, and changes the limit while it runs', async () => {
    await link.shape('a-to-b', {rateKbit: 2000})
    const samples = await bulkTransfer(link, {
      port: 5201,
      durationMs: 8000,
      async during() {
        await delay(2500)
        await link.shape('a-to-b', {rateKbit: 8000})
      },
    })
    const slow = rateKbit(samples, 800, 2300)
    // TCP takes a few seconds to climb out of the losses the slow limit caused, so measure the end.
    const fast = rateKbit(samples, 6000, 7900)
    console.log(`netns bulk: ${Math.round(slow)} kbit/s under a 2000 kbit/s limit, ${Math.round(fast)} kbit/s after raising it to 8000`)
    // The shaper's limits hold on any machine (tbf never lets more through); how close TCP comes to them is the
    // host's business, so below the limit only "raising it let more through" is asserted.
    expect(slow).toBeGreaterThan(0)
    expect(slow).toBeLessThan(2300)
    expect(fast).toBeLessThan(8800)
    expect(fast).toBeGreaterThan(1.5 * slow)
    await link.shape('a-to-b', {})
  })

  it('adds delay through the userspace relay', async () => {
    const echo = link.spawn('b', process.execPath, ['-e', `require('node:net').createServer((s) => s.pipe(s)).listen(7000, '${ADDRESS_B}', () => console.log('listening')); setTimeout(() => process.exit(0), 15000)`], {timeoutMs: 20_000})
    await firstLine(echo, (line) => line === 'listening', 10_000)
    const relay = await startDelayRelay(link, 'b', {listenHost: ADDRESS_B, listenPort: 7001, targetHost: ADDRESS_B, targetPort: 7000, delayMs: 40, lifetimeMs: 15_000})
    const rtt = link.spawn('a', process.execPath, ['-e', ROUND_TRIP_SCRIPT, ADDRESS_B, '7001'], {timeoutMs: 15_000})
    const result = await rtt
    expect(result.exitCode, String(result.stderr)).toBe(0)
    const ms = JSON.parse(String(result.stdout)) as number[]
    // Each direction is held 40 ms: a round trip takes at least 80 ms.
    expect(Math.min(...ms)).toBeGreaterThanOrEqual(79)
    echo.kill('SIGKILL')
    relay.child.kill('SIGKILL')
  })

  it('removes what it created, and what a dead run left behind', async () => {
    const stale = `${NETNS_PREFIX}999999999-0-a`
    await execa('ip', ['netns', 'add', stale], {timeout: 5000})
    expect(await cleanupStaleLinks()).toContain(stale)
    const other = await createLink({rateKbit: 1000})
    await other.close()
    const listed = await execa('ip', ['netns', 'list'], {timeout: 5000})
    expect(listed.stdout).not.toContain(other.nsA)
    expect(listed.stdout).not.toContain(stale)
    const links = await execa('ip', ['-o', 'link', 'show'], {timeout: 5000})
    expect(links.stdout).not.toContain(other.devA)
  })
})

const ROUND_TRIP_SCRIPT = `
const [host, port] = process.argv.slice(1)
const socket = require('node:net').connect(Number(port), host)
socket.setNoDelay(true)
const times = []
let sent
const ping = () => { sent = process.hrtime.bigint(); socket.write('x') }
socket.on('connect', ping)
socket.on('data', () => {
  times.push(Number(process.hrtime.bigint() - sent) / 1e6)
  if (times.length === 5) { console.log(JSON.stringify(times)); process.exit(0) }
  ping()
})
`
