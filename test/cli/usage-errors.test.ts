import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, inject, it} from 'vitest'

import {editDistance, nearestName} from '../../src/cli/nearest-name.js'
import {hoistGlobalFlags} from '../../src/entry/global-flags.js'
import {ERRORS} from '../../src/foundation/errors.js'
import {runCli} from '../support/cli.js'

/** Bad command lines against the real CLI: the one line each gives (issue 15), and BAD_USAGE's exit status. */
const CASES: Array<[argv: string[], line: string]> = [
  [['lisen'], 'ivc: "lisen" is not an ivc command: did you mean listen? [BAD_USAGE]'],
  [['presense', 'list'], 'ivc: "presense list" is not an ivc command: did you mean presence list? [BAD_USAGE]'],
  [['frobnicate'], 'ivc: "frobnicate" is not an ivc command [BAD_USAGE]'],
  [['stream-video', '--fps', 'abc'], 'ivc: --fps must be a whole number from 1 to 120 (got "abc") [BAD_USAGE]'],
  [['stream-video', '--fps', '0'], 'ivc: --fps must be a whole number from 1 to 120 (got "0") [BAD_USAGE]'],
  [['stream-audio', '--port', '70000', '--listen'], 'ivc: --port must be a whole number from 0 to 65535 (got "70000") [BAD_USAGE]'],
  [['call', 'bob', '--user', 'alice', '--timeout', '0'], 'ivc: --timeout must be a whole number, at least 1 (got "0") [BAD_USAGE]'],
  [['call'], 'ivc: missing argument NAME (who to call: a username in the directory) [BAD_USAGE]'],
  [['listen', '--prot', '3'], 'ivc: unknown flag --prot: did you mean --port? [BAD_USAGE]'],
  [['stream-video', '--adapt', 'gccc'], 'ivc: --adapt must be one of gcc, seed, off (got "gccc": did you mean gcc?) [BAD_USAGE]'],
  [['control', 'stauts'], 'ivc: "stauts" is not one of status, accept, reject, hangup, mute, unmute, video-off, video-on, stats, chat, record, watch, run: did you mean status? [BAD_USAGE]'],
  [['control', 'record', 'start'], 'ivc: record takes start FILE.mkv or stop: ivc control record start call.mkv --user NAME [BAD_USAGE]'],
  [['stream-video', '--to'], 'ivc: --to needs a value [BAD_USAGE]'],
  [['stream-video', '--to', 'h', '--size', '10x10'], 'ivc: --size "10x10" is not WxH between 16x16 and 7680x4320, e.g. 640x480 [BAD_USAGE]'],
  [['call', 'bob', '--user', 'alice', '--size', '9000x9000'], 'ivc: --size "9000x9000" is not WxH between 16x16 and 7680x4320, e.g. 640x480 [BAD_USAGE]'],
]

describe('bad command lines', () => {
  it.concurrent.each(CASES)('%j → one line that says what is allowed, exit BAD_USAGE', async (argv, line) => {
    const {exitCode, stdout, stderr} = await runCli(argv)
    expect(stderr.split('\n')[0]).toBe(line)
    expect(stderr.split('\n')).toHaveLength(2)
    expect(stderr.split('\n')[1]).toMatch(/^ {2}Try this: /)
    expect(stdout).toBe('')
    expect(exitCode).toBe(ERRORS.BAD_USAGE.exit)
  }, 60_000)

  it('takes the global flags before the command', async () => {
    const {exitCode, stderr} = await runCli(['--log-level', 'debug', '--json', 'doctor', '--redis', 'unix:///nonexistent.sock'])
    expect(stderr).toContain('[ivc doctor] debug: ')
    expect(exitCode).toBe(ERRORS.REDIS_UNREACHABLE.exit)
  }, 60_000)
})

describe('hoistGlobalFlags', () => {
  it('moves leading global flags after the command, before a --', () => {
    expect(hoistGlobalFlags(['--log-level', 'debug', 'doctor'])).toEqual(['doctor', '--log-level', 'debug'])
    expect(hoistGlobalFlags(['-u', 'alice', '--json', 'presence', 'watch'])).toEqual(['presence', 'watch', '-u', 'alice', '--json'])
    expect(hoistGlobalFlags(['--redis=redis://h:1', 'call', 'bob', '--', '-x'])).toEqual(['call', 'bob', '--redis=redis://h:1', '--', '-x'])
  })

  it('leaves anything else alone', () => {
    for (const argv of [['--help'], ['--version'], ['--json'], ['--user'], ['--bogus', 'doctor'], ['--user', 'alice', '--help'], ['doctor', '--json']]) {
      expect(hoistGlobalFlags(argv), argv.join(' ')).toEqual(argv)
    }
  })
})

describe('nearestName', () => {
  it('finds a typo, a swap or a unique prefix, and nothing for a stranger', () => {
    const names = ['listen', 'call', 'control', 'presence', 'stream-video', 'stream-audio']
    expect(nearestName('lisen', names)).toBe('listen')
    expect(nearestName('clal', names)).toBe('call')
    expect(nearestName('stream-vidoe', names)).toBe('stream-video')
    expect(nearestName('pres', names)).toBe('presence')
    expect(nearestName('stream', names)).toBeUndefined()
    expect(nearestName('xyz', names)).toBeUndefined()
  })

  it('counts edits', () => {
    expect(editDistance('', 'abc')).toBe(3)
    expect(editDistance('kitten', 'sitting')).toBe(3)
    expect(editDistance('ab', 'ba')).toBe(1)
    expect(editDistance('same', 'same')).toBe(0)
  })
})

describe('ivc control without a call', () => {
  it('says NO_CALL, not a bus timeout, when nothing runs a call for the user', async () => {
    const user = `nocall${process.pid}`
    const {exitCode, stderr} = await runCli(['control', 'status', '--user', user, '--redis', inject('redisUrl')])
    expect(stderr.split('\n')[0]).toBe(`ivc: ${user} has no call: neither \`ivc listen\` nor \`ivc call\` runs for ${user} on this bus [NO_CALL]`)
    expect(exitCode).toBe(ERRORS.NO_CALL.exit)
  }, 60_000)
})

describe('the config file', () => {
  it('warns once about a key no command has, with the nearest flag, and not about another command\'s flag', async () => {
    const config = join(mkdtempSync(join(tmpdir(), 'ivc-config-')), 'config.json')
    writeFileSync(config, JSON.stringify({redsi: 'redis://127.0.0.1:1', fps: 10, 'log-level': 'warn'}))
    const {stderr} = await runCli(['doctor', '--json', '--redis', 'unix:///nonexistent.sock'], {env: {IVC_CONFIG: config}})
    const warnings = stderr.split('\n').filter((line) => line.includes(config))
    expect(warnings).toEqual([`[ivc doctor] warn: ${config}: "redsi" is not a flag of any ivc command, so it is ignored (did you mean "redis"?)`])
  }, 60_000)
})

describe('a host that does not resolve', () => {
  it('is named as such, with a hint about the name (not about `ivc listen`)', async () => {
    const {exitCode, stderr} = await runCli(['stream-video', '--to', 'nosuchhost.invalid'])
    expect(stderr).toMatch(/^ivc: cannot connect to nosuchhost\.invalid:\d+: the host name "nosuchhost\.invalid" does not resolve \(\w+\) \[PEER_UNREACHABLE\]\n {2}Try this: Check the spelling of the host, or give its IP address\.$/)
    expect(exitCode).toBe(ERRORS.PEER_UNREACHABLE.exit)
  }, 60_000)
})
