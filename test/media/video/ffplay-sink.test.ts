import {execa} from 'execa'
import {afterEach, describe, expect, it} from 'vitest'

import {readSeq} from '../../../src/media/video/frame-stamp.js'
import {killAll, startCli, waitForLine} from '../../support/cli.js'

const tracked: Array<{kill(): unknown}> = []
afterEach(async () => {
  for (const child of tracked.splice(0)) child.kill()
  await killAll()
})

async function requireTool(program: string, args: string[], hint: string): Promise<void> {
  const probe = await execa(program, args, {reject: false})
  if (probe.failed && probe.exitCode === undefined) throw new Error(`${program} is missing: ${hint}`)
}

const listening = async (child: ReturnType<typeof startCli>) => JSON.parse(await waitForLine(child, 'stdout', (line) => line.includes('"listening"'))).port as number

describe('ffplay sink', () => {
  it('feeds frames into ffplay (SDL_VIDEODRIVER=dummy), which decodes them', async () => {
    await requireTool('ffplay', ['-version'], 'sudo apt-get install -y ffmpeg')
    const receiver = startCli(['stream-video', '--listen', '--port', '0', '--sink', 'ffplay', '--json', '--log-level', 'debug'], {env: {SDL_VIDEODRIVER: 'dummy'}})
    const port = await listening(receiver)
    const decoded = waitForLine(receiver, 'stderr', (line) => /ffplay: Stream #0:0: Video: mjpeg.*320x240/.test(line))
    const played = waitForLine(receiver, 'stdout', (line) => line.includes('"event":"stats"') && !line.includes('"frames":0'))
    const sender = startCli(['stream-video', '--to', `127.0.0.1:${port}`, '--size', '320x240', '--connections', '3'])
    await Promise.all([decoded, played])
    // Stop the sender as Ctrl-C would: the receiver ends on its end-of-stream.
    sender.kill('SIGINT')
    expect((await sender).exitCode).toBe(0)
    const rx = await receiver
    expect(rx.exitCode, String(rx.stderr)).toBe(0)
    const summary = JSON.parse(String(rx.stdout).trim().split('\n').at(-1)!)
    expect(summary.frames).toBeGreaterThan(0)
    expect(summary.outOfOrder).toBe(0)
  }, 120_000)

  it('shows the pattern in a real window under Xvfb (screenshot carries the frame stamp)', async () => {
    await requireTool('Xvfb', ['-help'], 'sudo apt-get install -y xvfb')
    // Xvfb picks a free display and prints its number once it accepts clients.
    const xvfb = execa('Xvfb', ['-displayfd', '1', '-screen', '0', '640x480x24', '-nolisten', 'tcp'], {reject: false})
    tracked.push(xvfb)
    const display = `:${(await waitForLine(xvfb, 'stdout', (line) => /^\d+$/.test(line.trim()))).trim()}`
    const env = {DISPLAY: display}
    const receiver = startCli(['stream-video', '--listen', '--port', '0', '--sink', 'ffplay', '--json'], {env})
    const port = await listening(receiver)
    const sender = startCli(['stream-video', '--to', `127.0.0.1:${port}`, '--size', '320x240', '--connections', '2'])
    await waitForLine(receiver, 'stdout', (line) => line.includes('"event":"stats"') && !line.includes('"frames":0'))
    // The window may take a moment to show: grab the screen until a frame stamp reads back (each grab paces the next).
    let stamp: number | undefined
    const deadline = Date.now() + 60_000
    while (stamp === undefined && Date.now() < deadline) {
      const shot = await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'x11grab', '-video_size', '320x240', '-i', `${display}+0,0`, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'bgr24', '-'], {encoding: 'buffer', reject: false})
      if (shot.stdout.length === 320 * 240 * 3) stamp = readSeq({width: 320, height: 240, format: 'bgr', data: Buffer.from(shot.stdout)})
    }

    expect(stamp, 'a frame stamp read from the screen').toBeTypeOf('number')
    expect(stamp).toBeGreaterThan(0)
    sender.kill('SIGINT')
    expect((await sender).exitCode).toBe(0)
    expect((await receiver).exitCode).toBe(0)
  }, 120_000)
})
