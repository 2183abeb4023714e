import {describe, expect, it} from 'vitest'

import {primaryAddress} from '../../src/directory/address.js'
import {openDirectory, parseDirectorySpec} from '../../src/directory/open.js'
import {recordingLogger} from '../support/logger.js'

describe('--directory', () => {
  it('means the local Redis by default, another Redis by URL, or MongoDB', () => {
    const local = 'unix:///tmp/redis.sock'
    expect(parseDirectorySpec('redis', local)).toEqual({backend: 'redis', url: local})
    expect(parseDirectorySpec('', local)).toEqual({backend: 'redis', url: local})
    expect(parseDirectorySpec('redis://db.example:6379', local)).toEqual({backend: 'redis', url: 'redis://db.example:6379'})
    expect(parseDirectorySpec('mongodb://db.example:27017/ivc', local)).toEqual({backend: 'mongodb', url: 'mongodb://db.example:27017/ivc'})
    expect(parseDirectorySpec('mongodb+srv://cluster.example/ivc', local)).toMatchObject({backend: 'mongodb'})
  })

  it('refuses anything else as BAD_USAGE', () => {
    expect(() => parseDirectorySpec('postgres://db', 'redis://127.0.0.1:6379')).toThrow(expect.objectContaining({code: 'BAD_USAGE'}))
  })

  it('refuses a heartbeat no shorter than the expiry before connecting', async () => {
    await expect(openDirectory({directory: 'redis', redis: 'unix:///nonexistent.sock', heartbeatMs: 1000, expiryMs: 500, logger: recordingLogger()})).rejects.toMatchObject({code: 'BAD_USAGE'})
  })

  it('turns an unreachable local Redis into DIRECTORY_UNREACHABLE', async () => {
    await expect(openDirectory({directory: 'redis', redis: 'unix:///nonexistent.sock', logger: recordingLogger()})).rejects.toMatchObject({code: 'DIRECTORY_UNREACHABLE'})
  })
})

describe('the address presence announces', () => {
  const iface = (address: string, family: 'IPv4' | 'IPv6', internal = false) => ({address, family, internal, netmask: '', mac: '', cidr: null, ...(family === 'IPv6' ? {scopeid: 0} : {})})

  it('is the first non-internal IPv4 address, interfaces in name order', () => {
    expect(primaryAddress({lo: [iface('127.0.0.1', 'IPv4', true)], wlan0: [iface('192.168.1.9', 'IPv4')], eth0: [iface('fe80::1', 'IPv6'), iface('10.0.0.5', 'IPv4')]} as never)).toBe('10.0.0.5')
  })

  it('skips link-local addresses and falls back to 127.0.0.1', () => {
    expect(primaryAddress({lo: [iface('127.0.0.1', 'IPv4', true)], eth0: [iface('169.254.3.4', 'IPv4')]} as never)).toBe('127.0.0.1')
    expect(primaryAddress({})).toBe('127.0.0.1')
  })
})
