import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {probeOpenCV} from '../../src/plugins/native.js'
import {runCli} from '../support/cli.js'

/**
 * Issue 12: a component loads only what it uses. The native modules are loaded with require() (src/plugins/native.ts),
 * so a --require hook that lists require.cache at exit sees every one that was loaded.
 */
async function loadedModules(args: string[]): Promise<{exitCode: number; stderr: string; modules: string[]}> {
  const dir = mkdtempSync(join(tmpdir(), 'ivc-modules-'))
  const hook = join(dir, 'hook.cjs')
  const out = join(dir, 'modules.json')
  writeFileSync(hook, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(require.cache))))\n`)
  const result = await runCli(args, {env: {NODE_OPTIONS: `--require ${hook}`}})
  return {...result, modules: JSON.parse(readFileSync(out, 'utf8')) as string[]}
}

const loads = (modules: string[], name: string) => modules.some((path) => path.includes(`/node_modules/${name}/`))

describe('components load nothing they do not use', () => {
  it('a synthetic raw video sender loads neither OpenCV nor sharp', async () => {
    const {exitCode, modules} = await loadedModules(['stream-video', '--to', '127.0.0.1:1', '--source', 'synthetic', '--codec', 'raw'])
    expect(exitCode).toBe(20)
    expect(loads(modules, '@u4/opencv4nodejs')).toBe(false)
    expect(loads(modules, 'sharp')).toBe(false)
  })

  it('a video receiver does not load OpenCV before a frame needs decoding', async () => {
    const {exitCode, stderr, modules} = await loadedModules(['stream-video', '--listen', '--port', '0', '--sink', 'ffplay', '--duration', '1'])
    expect(exitCode, stderr).toBe(0)
    expect(loads(modules, '@u4/opencv4nodejs')).toBe(false)
  })

  it('an audio sender with the tone loads no PortAudio', async () => {
    const {exitCode, modules} = await loadedModules(['stream-audio', '--to', '127.0.0.1:1'])
    expect(exitCode).toBe(20)
    expect(loads(modules, 'naudiodon')).toBe(false)
    expect(loads(modules, '@u4/opencv4nodejs')).toBe(false)
  })

  // control's actions and presence run many times in a session and in scripts: they take the lean path too, without
  // oclif's module graph (~0.25 s of CPU each). Help, and presence's list/show/watch, stay with oclif, which the last
  // case shows the hook does see.
  it('control actions and presence start without oclif; help and presence list load it', async () => {
    const redis = 'redis://127.0.0.1:1'
    for (const args of [['control', 'status', '--user', 'nobody', '--redis', redis], ['presence', '--user', 'bad!', '--redis', redis]]) {
      const {exitCode, modules} = await loadedModules(args)
      expect(exitCode, args.join(' ')).toBeGreaterThan(0)
      expect(loads(modules, '@oclif/core'), args.join(' ')).toBe(false)
    }

    for (const args of [['control', 'status', '--help'], ['presence', 'list', '--redis', redis]]) expect(loads((await loadedModules(args)).modules, '@oclif/core'), args.join(' ')).toBe(true)
  })

  // The check above would pass if the hook saw nothing: it must see OpenCV where the JPEG codec does load it.
  it.runIf(probeOpenCV().ok)('the hook does see OpenCV when the JPEG codec uses it', async () => {
    const {modules} = await loadedModules(['stream-video', '--to', '127.0.0.1:1', '--codec', 'jpeg'])
    expect(loads(modules, '@u4/opencv4nodejs')).toBe(true)
  })
})
