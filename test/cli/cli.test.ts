import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, inject, it} from 'vitest'

import {ERRORS} from '../../src/foundation/errors.js'
import {type CliResult, runCli} from '../support/cli.js'

const COMPONENTS = ['presence', 'listen', 'call', 'stream-video', 'stream-audio', 'control']

/**
 * One `ivc doctor --json` against the test Redis, read by every case that inspects its report: a doctor run probes
 * every backend (seconds of CPU), and the report does not depend on which case asks.
 */
let doctorRun: Promise<CliResult> | undefined
const doctorJson = () => (doctorRun ??= runCli(['doctor', '--json', '--redis', inject('redisUrl')]))

// One case at a time: every case is CLI start-ups, all CPU, so side by side they only share the cores (and on a loaded
// host pushed a doctor run past its 60 s safety net).
describe('ivc CLI', () => {
  it('lists the six components with one-line summaries', async () => {
    const {exitCode, stdout} = await runCli(['--help'])
    expect(exitCode).toBe(0)
    for (const command of COMPONENTS) expect(stdout).toMatch(new RegExp(`^  ${command} +\\S`, 'm'))
  })

  it('prints its version', async () => {
    const {exitCode, stdout} = await runCli(['--version'])
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/^ivc\/\d+\.\d+\.\d+ /)
  })

  it.each([...COMPONENTS, 'doctor'])('gives %s --help with examples', async (command) => {
    const {exitCode, stdout} = await runCli([command, '--help'])
    expect(exitCode).toBe(0)
    expect(stdout).toContain('EXAMPLES')
    expect(stdout).toContain('$ ivc ')
  })

  it('rejects an unknown flag with one line, a hint and BAD_USAGE', async () => {
    const {exitCode, stdout, stderr} = await runCli(['doctor', '--frobnicate'])
    expect(exitCode).toBe(ERRORS.BAD_USAGE.exit)
    expect(stdout).toBe('')
    expect(stderr).toBe('ivc: unknown flag --frobnicate [BAD_USAGE]\n  Try this: `ivc doctor --help` lists its flags, with examples.')
  })

  it('reports an unreachable Redis in one line and exits REDIS_UNREACHABLE, with the report still on stdout', async () => {
    const {exitCode, stdout, stderr} = await runCli(['doctor', '--json', '--redis', 'unix:///nonexistent.sock'])
    expect(exitCode).toBe(ERRORS.REDIS_UNREACHABLE.exit)
    const report = JSON.parse(stdout)
    expect(report.redis).toMatchObject({ok: false, url: 'unix:///nonexistent.sock'})
    expect(stderr.trim().split('\n')).toHaveLength(2)
    expect(stderr).toContain('[REDIS_UNREACHABLE]')
    expect(stderr).not.toMatch(/\n\s+at /)
  })

  it('reports every backend kind and Redis reachability with doctor --json', async () => {
    const {exitCode, stdout} = await doctorJson()
    expect(exitCode).toBe(0)
    const report = JSON.parse(stdout)
    expect(report.redis.ok).toBe(true)
    const kinds = new Set(report.backends.map((backend: {kind: string}) => backend.kind))
    expect([...kinds].sort()).toEqual(['audio-codec', 'audio-sink', 'audio-source', 'directory', 'video-codec', 'video-sink', 'video-source'])
    for (const backend of report.backends) {
      expect(typeof backend.ok).toBe('boolean')
      if (!backend.ok) expect(backend.hint, backend.name).toBeTruthy()
    }
  })

  it('says ok for camera, mic and speaker exactly when `ivc devices` finds such a device', async () => {
    const [doctor, devices] = await Promise.all([doctorJson(), runCli(['devices', '--json'])])
    const ok = (kind: string, name: string) => JSON.parse(doctor.stdout).backends.find((backend: {kind: string; name: string}) => backend.kind === kind && backend.name === name).ok
    const list = JSON.parse(devices.stdout) as {audio: Array<{maxInputChannels: number; maxOutputChannels: number}>; video: unknown[]}
    expect(ok('video-source', 'camera')).toBe(list.video.length > 0)
    expect(ok('audio-source', 'mic')).toBe(list.audio.some((device) => device.maxInputChannels > 0))
    expect(ok('audio-sink', 'speaker')).toBe(list.audio.some((device) => device.maxOutputChannels > 0))
  })

  it('takes --redis from IVC_REDIS and from the config file, flag over env over file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ivc-cli-config-'))
    writeFileSync(join(dir, 'config.json'), JSON.stringify({redis: 'unix:///from-file.sock'}))
    // The Redis each one tried is in its one error line (presence list: no backend probes, unlike doctor).
    const triedRedis = async (args: string[], env: Record<string, string>) => JSON.parse((await runCli(['presence', 'list', '--json', ...args], {env})).stdout).error.message as string
    expect(await triedRedis([], {IVC_CONFIG: join(dir, 'config.json')})).toContain('ENOENT /from-file.sock')
    expect(await triedRedis([], {IVC_CONFIG: join(dir, 'config.json'), IVC_REDIS: 'unix:///from-env.sock'})).toContain('ENOENT /from-env.sock')
    expect(await triedRedis(['--redis', 'unix:///from-flag.sock'], {IVC_CONFIG: join(dir, 'config.json'), IVC_REDIS: 'unix:///from-env.sock'})).toContain('ENOENT /from-flag.sock')
  })

  it('prints an error as JSON on stdout too with --json', async () => {
    const {exitCode, stdout} = await runCli(['listen', '--json'])
    expect(exitCode).toBe(ERRORS.BAD_USAGE.exit)
    expect(JSON.parse(stdout)).toEqual({error: expect.objectContaining({code: 'BAD_USAGE', exit: ERRORS.BAD_USAGE.exit, message: 'this command needs --user (or IVC_USER)'})})
  })
})
