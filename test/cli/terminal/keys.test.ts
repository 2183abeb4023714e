import {describe, expect, it} from 'vitest'

import {KeyReader} from '../../../src/cli/terminal/keys.js'

describe('the call terminal\'s keys', () => {
  it('in a call: m, v, h, s, ? and Ctrl-C each do one thing; other keys nothing', () => {
    const keys = new KeyReader()
    keys.setMode('in-call')
    expect(keys.feed('m')).toEqual([{type: 'mute-toggle'}])
    expect(keys.feed('v')).toEqual([{type: 'video-toggle'}])
    expect(keys.feed('h')).toEqual([{type: 'hangup'}])
    expect(keys.feed('s')).toEqual([{type: 'stats'}])
    expect(keys.feed('?')).toEqual([{type: 'help'}])
    expect(keys.feed('\u0003')).toEqual([{type: 'interrupt'}])
    expect(keys.feed('xyz\u001B[A')).toEqual([])
    expect(keys.feed('mv')).toEqual([{type: 'mute-toggle'}, {type: 'video-toggle'}])
  })

  it('types a chat line after c or Enter: printable keys, backspace, Enter sends it trimmed, Esc or Ctrl-C drops it', () => {
    const keys = new KeyReader()
    keys.setMode('in-call')
    expect(keys.feed('c')).toEqual([{type: 'chat-draft', text: ''}])
    // While typing, m and h are letters, not actions.
    expect(keys.feed('hm')).toEqual([{type: 'chat-draft', text: 'h'}, {type: 'chat-draft', text: 'hm'}])
    expect(keys.feed('\u007F')).toEqual([{type: 'chat-draft', text: 'h'}])
    expect(keys.feed('i ')).toEqual([{type: 'chat-draft', text: 'hi'}, {type: 'chat-draft', text: 'hi '}])
    expect(keys.feed('\u0007\u001B[D')).toEqual([])
    expect(keys.feed('\r')).toEqual([{type: 'chat-send', text: 'hi'}])
    expect(keys.draft).toBeUndefined()
    keys.feed('\rabc')
    expect(keys.feed('\u001B')).toEqual([{type: 'chat-cancel'}])
    keys.feed('c')
    expect(keys.feed('\u0003')).toEqual([{type: 'chat-cancel'}])
    keys.feed('c')
    expect(keys.feed('  \r').at(-1)).toEqual({type: 'chat-cancel'})
  })

  it('answers a ringing call with y or n only while it rings: a y typed before is not an answer', () => {
    const keys = new KeyReader()
    expect(keys.feed('y')).toEqual([])
    keys.setMode('incoming')
    expect(keys.feed('m')).toEqual([])
    expect(keys.feed('y')).toEqual([{type: 'accept'}])
    expect(keys.feed('n')).toEqual([{type: 'reject'}])
    keys.setMode('idle')
    expect(keys.feed('yn')).toEqual([])
    expect(keys.feed('\u0003')).toEqual([{type: 'interrupt'}])
  })

  it('drops a half-typed chat line when the call ends', () => {
    const keys = new KeyReader()
    keys.setMode('in-call')
    keys.feed('cbye')
    expect(keys.setMode('idle')).toEqual([{type: 'chat-cancel'}])
    expect(keys.draft).toBeUndefined()
    expect(keys.feed('m')).toEqual([])
  })
})
