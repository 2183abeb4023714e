import {describe, expect, it} from 'vitest'

import {RedisOutage} from '../../src/bus/outage.js'
import {FakeClock} from '../support/fake-clock.js'

describe('RedisOutage', () => {
  it('makes one line of a Redis that goes away, whatever the connections and retries, and one when all are back', () => {
    const clock = new FakeClock()
    const outage = new RedisOutage('unix:/tmp/redis.sock', clock)
    const warnings: string[] = []
    const log = (line: {level: string; message: string} | undefined) => line?.level === 'warn' && warnings.push(line.message)
    log(outage.lost('bus call #1', 'Connection is closed.'))
    log(outage.lost('bus call subscriber #2'))
    log(outage.lost('directory #3'))
    for (let attempt = 1; attempt <= 20; attempt++) {
      clock.advance(500)
      for (const connection of ['bus call #1', 'bus call subscriber #2', 'directory #3']) {
        const retry = outage.retrying(connection, 400, attempt)
        expect(retry.level).toBe('debug')
        expect(retry.message).toContain(`reconnecting in 400 ms (attempt ${attempt})`)
        log(outage.lost(connection))
      }
    }

    expect(outage.isDown).toBe(true)
    log(outage.back('bus call #1'))
    log(outage.back('directory #3'))
    clock.advance(2300)
    log(outage.back('bus call subscriber #2'))
    expect(outage.isDown).toBe(false)
    expect(warnings).toEqual([
      'lost the connection to Redis at unix:/tmp/redis.sock (Connection is closed.); retrying, and bus and directory requests fail until it is back',
      'Redis at unix:/tmp/redis.sock is back after 12.3 s',
    ])
    // The next outage is news again.
    expect(outage.lost('directory #3')?.level).toBe('warn')
  })

  it('does not wait for a connection closed on purpose, and says nothing about it', () => {
    const clock = new FakeClock()
    const outage = new RedisOutage('127.0.0.1:6379', clock)
    outage.lost('bus a #1')
    outage.lost('bus b #2')
    outage.forget('bus b #2')
    expect(outage.back('bus a #1')?.message).toBe('Redis at 127.0.0.1:6379 is back after 0.0 s')
    outage.lost('bus a #1')
    outage.forget('bus a #1')
    expect(outage.isDown).toBe(false)
    expect(outage.back('bus a #1')).toBeUndefined()
  })
})
