import {describe, expect, it} from 'vitest'

import {parseRedisUrl, redactRedisUrl} from '../../src/bus/redis-url.js'

describe('--redis addresses', () => {
  it('parses redis://, unix:// and bare socket paths', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379')).toEqual({host: '127.0.0.1', port: 6379, db: 0})
    expect(parseRedisUrl('redis://example:7000/2')).toEqual({host: 'example', port: 7000, db: 2})
    expect(parseRedisUrl('redis://localhost')).toEqual({host: 'localhost', port: 6379, db: 0})
    expect(parseRedisUrl('unix:///run/redis.sock')).toEqual({path: '/run/redis.sock'})
    expect(parseRedisUrl('/tmp/r.sock')).toEqual({path: '/tmp/r.sock'})
  })

  it('rejects anything else as BAD_USAGE', () => {
    for (const bad of ['http://x:1', 'localhost:6379', 'unix://relative', 'redis://x/notanumber', '']) {
      expect(() => parseRedisUrl(bad), bad).toThrow(expect.objectContaining({code: 'BAD_USAGE'}))
    }
  })

  it('print without their password', () => {
    expect(redactRedisUrl('redis://alice:s3cret@127.0.0.1:6379/2')).toBe('redis://alice:***@127.0.0.1:6379/2')
    expect(redactRedisUrl('redis://:s3cret@host')).toBe('redis://:***@host')
    for (const plain of ['redis://127.0.0.1:6379', 'unix:///run/redis.sock', '/tmp/r.sock']) expect(redactRedisUrl(plain)).toBe(plain)
  })
})
