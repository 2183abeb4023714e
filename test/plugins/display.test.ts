import {describe, expect, it} from 'vitest'

import {mediaPlanFromFlags} from '../../src/call/flags.js'
import {defaultVideoSink, displayExists} from '../../src/plugins/display.js'

/** A file system holding exactly `paths`. */
const only = (...paths: string[]) => (path: string) => paths.includes(path)

describe('whether a display exists (plugins/display.ts)', () => {
  it.each([
    {env: {}, files: [], exists: false, why: 'nothing set'},
    {env: {DISPLAY: ':0'}, files: ['/tmp/.X11-unix/X0'], exists: true, why: 'a local X server with its socket'},
    {env: {DISPLAY: ':99.0'}, files: ['/tmp/.X11-unix/X99'], exists: true, why: 'a screen number is not part of the socket'},
    {env: {DISPLAY: 'unix:3'}, files: ['/tmp/.X11-unix/X3'], exists: true, why: 'unix: is local too'},
    {env: {DISPLAY: ':7'}, files: ['/tmp/.X11-unix/X0'], exists: false, why: 'a stale DISPLAY whose server is gone'},
    {env: {DISPLAY: 'localhost:10.0'}, files: [], exists: true, why: 'ssh -X forwarding: a TCP display, taken on trust'},
    {env: {DISPLAY: 'garbage'}, files: [], exists: false, why: 'not a display name'},
    {env: {WAYLAND_DISPLAY: 'wayland-0', XDG_RUNTIME_DIR: '/run/user/1000'}, files: ['/run/user/1000/wayland-0'], exists: true, why: 'a Wayland socket'},
    {env: {WAYLAND_DISPLAY: 'wayland-0', XDG_RUNTIME_DIR: '/run/user/1000'}, files: [], exists: false, why: 'a Wayland name with no socket'},
    {env: {WAYLAND_DISPLAY: 'wayland-0'}, files: ['/wayland-0'], exists: false, why: 'a relative Wayland name needs XDG_RUNTIME_DIR'},
    {env: {WAYLAND_DISPLAY: '/tmp/wl'}, files: ['/tmp/wl'], exists: true, why: 'an absolute Wayland socket'},
  ])('$why: $exists', ({env, files, exists}) => {
    expect(displayExists(env, only(...files))).toBe(exists)
    expect(defaultVideoSink(env, only(...files))).toBe(exists ? 'ffplay' : 'null')
  })
})

describe('the video sink of ivc call / ivc listen (mediaPlanFromFlags)', () => {
  const flags = {video: true, audio: false, 'video-source': 'synthetic', 'audio-source': 'tone', 'audio-sink': 'null', size: '320x240', fps: 30, quality: 80, frequency: 440, 'video-connections': 4, 'audio-connections': 2, 'self-view': false}

  it('is null without a display, and the named one when named', () => {
    expect(mediaPlanFromFlags(flags, {}).video?.sink).toBe('null')
    expect(mediaPlanFromFlags({...flags, 'video-sink': 'file'}, {}).video?.sink).toBe('file')
  })

  it('refuses --self-view without a display, in one line that says what a display is', () => {
    expect(() => mediaPlanFromFlags({...flags, 'self-view': true}, {})).toThrow(/--self-view needs a display: a display exists when DISPLAY/)
    // Audio only: there is no video to show, so no display is needed.
    expect(mediaPlanFromFlags({...flags, video: false, 'self-view': true}, {}).video).toBeUndefined()
  })

  it('shows the self-view in the page of ivc ui when the peer\'s video plays there (no display needed)', () => {
    expect(mediaPlanFromFlags({...flags, 'self-view': true, 'video-sink': 'ui'}, {}).video?.selfView).toBe('ui')
    expect(mediaPlanFromFlags({...flags, 'video-sink': 'ui'}, {}).video?.selfView).toBeUndefined()
  })
})
