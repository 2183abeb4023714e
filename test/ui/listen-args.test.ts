import {describe, expect, it} from 'vitest'

import {listenArgs} from '../../src/ui/listen-args.js'

describe('the flags ivc ui gives the ivc listen it starts', () => {
  it('passes the call and directory flags set, the call port as --port, and each switch in a form listen takes', () => {
    const args = listenArgs({'call-port': 0, 'log-level': 'warn', port: 8080, open: false, video: false, audio: true, 'self-view': false, 'video-sink': 'ui', directory: 'redis', size: '320x240'})
    expect(args).toEqual(['--port', '0', '--log-level', 'warn', '--directory', 'redis', '--no-video', '--audio', '--video-sink', 'ui', '--size', '320x240'])
    // --self-view has no --no- form: off, it is left out; on, it is passed.
    expect(listenArgs({'call-port': 0, 'log-level': 'warn', 'self-view': true})).toContain('--self-view')
    // A flag parsed to a boolean but written with a value keeps its value, true or false.
    expect(listenArgs({'call-port': 0, 'log-level': 'warn', 'trust-on-first-use': true})).toEqual(['--port', '0', '--log-level', 'warn', '--trust-on-first-use', 'true'])
    expect(listenArgs({'call-port': 0, 'log-level': 'warn', 'trust-on-first-use': false})).toContain('false')
  })
})
