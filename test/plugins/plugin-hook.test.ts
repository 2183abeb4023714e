import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, inject, it} from 'vitest'

import {runCli} from '../support/cli.js'

/** A real oclif plugin on disk whose `ivc:backends` hook adds one video source. */
function writePlugin(dir: string): void {
  mkdirSync(join(dir, 'hooks'), {recursive: true})
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({name: 'ivc-plugin-testsrc', version: '1.0.0', type: 'module', oclif: {hooks: {'ivc:backends': './hooks/backends.js'}}}),
  )
  writeFileSync(
    join(dir, 'hooks', 'backends.js'),
    `export default async function () {
  return [{name: 'testsrc', kind: 'video-source', description: 'from a plugin', probe: async () => ({ok: true, detail: 'plugin ok'}), create: async () => ({})}]
}\n`,
  )
}

describe('backends from installed oclif plugins', () => {
  it('registers what a linked plugin\'s ivc:backends hook returns, next to the built-ins', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ivc-plugin-'))
    const plugin = join(root, 'plugin')
    writePlugin(plugin)
    // The plugin registry lives in the XDG data dir: a private one keeps the developer's own plugins out.
    const env = {XDG_DATA_HOME: join(root, 'data'), XDG_CACHE_HOME: join(root, 'cache')}
    const link = await runCli(['plugins', 'link', plugin], {env})
    expect(link.exitCode, link.stderr).toBe(0)
    const {exitCode, stdout} = await runCli(['doctor', '--json', '--redis', inject('redisUrl')], {env})
    expect(exitCode).toBe(0)
    const backends = JSON.parse(stdout).backends as Array<{name: string; kind: string; ok: boolean}>
    expect(backends).toContainEqual(expect.objectContaining({name: 'testsrc', kind: 'video-source', ok: true, detail: 'plugin ok'}))
    expect(backends).toContainEqual(expect.objectContaining({name: 'synthetic', kind: 'video-source'}))
    const without = await runCli(['doctor', '--json', '--redis', inject('redisUrl')])
    expect(JSON.parse(without.stdout).backends.map((backend: {name: string}) => backend.name)).not.toContain('testsrc')
  })
})
