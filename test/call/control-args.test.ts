import {resolve} from 'node:path'

import {describe, expect, it} from 'vitest'

import {controlArgs} from '../../src/call/control-client.js'

/** What `ivc control VERB [TEXT] [FILE]` takes from its command line, before anything reaches the bus. */
describe('controlArgs', () => {
  it('takes chat\'s one message, and refuses unquoted words instead of sending the first alone', () => {
    expect(controlArgs('chat', {text: 'hello there'})).toEqual({text: 'hello there'})
    expect(() => controlArgs('chat', {text: 'hello', file: 'there'})).toThrow('chat takes one message: quote it')
    expect(() => controlArgs('chat', {})).toThrow('chat needs a message')
    expect(() => controlArgs('chat', {text: 'x'.repeat(2001)})).toThrow('chat needs a message')
  })

  it('takes record start FILE (made absolute) and record stop, nothing else', () => {
    expect(controlArgs('record', {text: 'start', file: 'call.mkv'})).toEqual({on: true, file: resolve('call.mkv')})
    expect(controlArgs('record', {text: 'stop'})).toEqual({on: false})
    for (const words of [{text: 'start'}, {text: 'stop', file: 'x.mkv'}, {text: 'pause'}, {}]) expect(() => controlArgs('record', words), JSON.stringify(words)).toThrow('record takes start FILE.mkv or stop')
  })

  it('refuses words after a verb that takes none', () => {
    expect(controlArgs('hangup', {})).toEqual({})
    expect(() => controlArgs('hangup', {text: 'now'})).toThrow('hangup takes no text')
  })
})
