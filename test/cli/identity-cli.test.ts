import {mkdtempSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {runCli} from '../support/cli.js'

const freshHome = () => mkdtempSync(join(tmpdir(), 'ivc-identity-cli-'))

describe('ivc identity', () => {
  it('creates the key on first use (0600 in 0700) and shows the same fingerprint after', async () => {
    const home = freshHome()
    const first = await runCli(['identity', '--user', 'alice', '--json'], {env: {XDG_CONFIG_HOME: home}})
    expect(first.exitCode).toBe(0)
    const shown = JSON.parse(first.stdout) as {user: string; fingerprint: string; publicKey: string; file: string}
    expect(shown.user).toBe('alice')
    expect(shown.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
    expect(shown.file).toBe(join(home, 'ivc', 'users', 'alice', 'identity'))
    expect(statSync(shown.file).mode & 0o777).toBe(0o600)
    expect(statSync(join(home, 'ivc', 'users', 'alice')).mode & 0o777).toBe(0o700)
    const again = await runCli(['identity', '--user', 'alice'], {env: {XDG_CONFIG_HOME: home}})
    expect(again.stdout).toContain(`alice ${shown.fingerprint}`)
  })

  it('moves by export and import, refuses a damaged file, and keeps a different key without --force', async () => {
    const [from, to] = [freshHome(), freshHome()]
    const exported = await runCli(['identity', 'export', '--user', 'alice'], {env: {XDG_CONFIG_HOME: from}})
    expect(exported.exitCode).toBe(0)
    const damaged = await runCli(['identity', 'import', '-', '--user', 'alice'], {env: {XDG_CONFIG_HOME: to}, input: exported.stdout.replace('public ', 'public x')})
    expect(damaged.exitCode).toBe(2)
    expect(damaged.stderr).toContain('stdin is not an ivc identity: the public key is not 43 base64url characters')
    const wrongUser = await runCli(['identity', 'import', '-', '--user', 'bob'], {env: {XDG_CONFIG_HOME: to}, input: exported.stdout})
    expect(wrongUser.stderr).toContain('the identity of alice, not bob')

    await runCli(['identity', '--user', 'alice'], {env: {XDG_CONFIG_HOME: to}})
    const kept = await runCli(['identity', 'import', '-', '--user', 'alice'], {env: {XDG_CONFIG_HOME: to}, input: exported.stdout})
    expect(kept.exitCode).toBe(2)
    expect(kept.stderr).toContain('alice already has another identity')
    const imported = await runCli(['identity', 'import', '-', '--user', 'alice', '--force'], {env: {XDG_CONFIG_HOME: to}, input: exported.stdout})
    expect(imported.exitCode).toBe(0)

    const [a, b] = await Promise.all([from, to].map((home) => runCli(['identity', '--user', 'alice', '--json'], {env: {XDG_CONFIG_HOME: home}})))
    expect(JSON.parse(b.stdout).fingerprint).toBe(JSON.parse(a.stdout).fingerprint)
    expect(statSync(join(to, 'ivc', 'users', 'alice', 'identity')).mode & 0o777).toBe(0o600)
  })
})
