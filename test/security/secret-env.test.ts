import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, describe, expect, it} from 'vitest'

import {ToneGenerator} from '../../src/media/audio/tone.js'
import {encodeWav} from '../../src/media/audio/wav.js'
import {newStreamSecret, parseStreamSecret} from '../../src/security/stream-secret.js'
import {killAll, runCli, startCli, waitForLine} from '../support/cli.js'

const dirs: string[] = []
afterEach(async () => {
  await killAll()
  for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
})

describe('keys in the environment', () => {
  it('are gone from the environment of what a component starts (here the ffplay sink)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ivc-env-'))
    dirs.push(dir)
    const record = join(dir, 'ffplay-env')
    // A stand-in ffplay that writes down the environment it was given, then plays nothing.
    writeFileSync(join(dir, 'ffplay'), `#!/bin/sh\nenv >> '${record}'\n[ "$1" = -version ] && echo 'ffplay version test' && exit 0\nexec cat > /dev/null\n`)
    chmodSync(join(dir, 'ffplay'), 0o755)
    const secret = newStreamSecret()
    const env = {IVC_MEDIA_SECRET: secret, PATH: `${dir}:${process.env.PATH}`}
    const receiver = startCli(['stream-audio', '--listen', '--port', '0', '--sink', 'ffplay', '--json'], {env})
    const port = JSON.parse(await waitForLine(receiver, 'stdout', (line) => line.includes('"listening"'))).port as number
    // A short file, not --duration: the stream ends when it is sent, however slowly the sender started.
    const tone = new ToneGenerator(440)
    writeFileSync(join(dir, 'tone.wav'), encodeWav(Buffer.concat(Array.from({length: 25}, (_, index) => tone.frame(index)))))
    const sender = await runCli(['stream-audio', '--to', `127.0.0.1:${port}`, '--source', 'file', '--file', join(dir, 'tone.wav'), '--connections', '2'], {env: {IVC_MEDIA_SECRET: secret}})
    expect(sender.exitCode, sender.stderr).toBe(0)
    const rx = await receiver
    expect(rx.exitCode, String(rx.stderr)).toBe(0)
    const seen = readFileSync(record, 'utf8')
    expect(seen).toContain(`PATH=${dir}`)
    expect(seen).not.toContain('IVC_MEDIA_SECRET')
    expect(seen).not.toContain(secret)
    expect(seen).not.toContain(parseStreamSecret(secret))
  }, 120_000)
})
