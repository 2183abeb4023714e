import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {applyConfigFile, configFilePath, type FlagSpec, readConfigFile} from '../../src/cli/config-file.js'

const flags: Record<string, FlagSpec> = {
  user: {type: 'option', char: 'u', env: 'IVC_USER'},
  json: {type: 'boolean', env: 'IVC_JSON'},
  video: {type: 'boolean', allowNo: true, env: 'IVC_VIDEO'},
}

describe('config file precedence: flag > env > file > default', () => {
  it('adds file values for flags given neither on argv nor by env', () => {
    expect(applyConfigFile(['call', 'bob'], flags, {user: 'alice', json: true}, {})).toEqual(['call', 'bob', '--user=alice', '--json'])
  })

  it('leaves a flag typed on argv alone, long, with =, or short', () => {
    for (const argv of [['--user', 'bob'], ['--user=bob'], ['-u', 'bob'], ['-ubob']]) {
      expect(applyConfigFile(argv, flags, {user: 'alice'}, {})).toEqual(argv)
    }
  })

  it('leaves a flag set by its env variable alone (oclif reads the env itself)', () => {
    expect(applyConfigFile([], flags, {user: 'alice'}, {IVC_USER: 'carol'})).toEqual([])
  })

  it('maps false booleans to --no- only where the flag allows it, and ignores unknown keys', () => {
    expect(applyConfigFile([], flags, {video: false, json: false, nonsense: 1}, {})).toEqual(['--no-video'])
  })

  it('inserts before a -- terminator', () => {
    expect(applyConfigFile(['a', '--', '--user=x'], flags, {user: 'alice'}, {})).toEqual(['a', '--user=alice', '--', '--user=x'])
  })

  it('finds the file under XDG_CONFIG_HOME, or IVC_CONFIG', () => {
    expect(configFilePath({XDG_CONFIG_HOME: '/x'})).toBe('/x/ivc/config.json')
    expect(configFilePath({IVC_CONFIG: '/y.json', XDG_CONFIG_HOME: '/x'})).toBe('/y.json')
  })

  it('reads an object, treats a missing file as empty, and rejects bad JSON with CONFIG_INVALID', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ivc-config-'))
    expect(readConfigFile(join(dir, 'missing.json'))).toEqual({})
    writeFileSync(join(dir, 'good.json'), '{"user": "alice", "json": true}')
    expect(readConfigFile(join(dir, 'good.json'))).toEqual({user: 'alice', json: true})
    writeFileSync(join(dir, 'bad.json'), '{user:')
    expect(() => readConfigFile(join(dir, 'bad.json'))).toThrow(expect.objectContaining({code: 'CONFIG_INVALID'}))
    writeFileSync(join(dir, 'array.json'), '[1]')
    expect(() => readConfigFile(join(dir, 'array.json'))).toThrow(expect.objectContaining({code: 'CONFIG_INVALID'}))
    writeFileSync(join(dir, 'nested.json'), '{"user": {"a": 1}}')
    expect(() => readConfigFile(join(dir, 'nested.json'))).toThrow(expect.objectContaining({code: 'CONFIG_INVALID'}))
  })
})
