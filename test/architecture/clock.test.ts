import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

import {readSources} from './layers.js'

const SRC = fileURLToPath(new URL('../../src', import.meta.url))

/**
 * Reading or waiting on time directly, not through an injected Clock (foundation/clock.ts). A call on an object
 * (`clock.setTimeout(`, `this.#clock.now()`) is the injected clock and does not count; a bare `Date.now` does, called
 * or passed.
 */
const DIRECT_TIME = /(?<![.\w#])(?:setTimeout|setInterval|setImmediate)\(|\bDate\.now\b|\bperformance\.now\(|\bprocess\.hrtime\b/

/**
 * The files allowed to use time directly, and why. Anything else that does fails this test: take a Clock instead
 * (a constructor or options field `clock?: Clock` defaulting to realClock), so tests can drive it with FakeClock.
 */
export const ALLOWED: Record<string, string> = {
  'foundation/clock.ts': 'the real clock itself',
  'foundation/logger.ts': 'log timestamps: below every clock user, and a log line must not need a clock wired in',
  'cli/base-command.ts': 'start-up trace: ms since the process started, before anything is wired',
  'cli/lifecycle.ts': 'the process shutdown grace and force-exit: real time by nature, a fake clock would never exit',
  'commands/stream-audio.ts': 'the --duration deadline of a CLI command, set before anything is wired',
  'commands/stream-video.ts': 'the --duration deadline of a CLI command, and deferring codec loading a turn (setImmediate)',
  'bus/private-redis.ts': 'waits for a spawned redis-server to accept connections: a start-up deadline on a real process',
  'plugins/audio/ffplay-sink.ts': 'kill deadline for a child process (real time: the child runs in real time)',
  'plugins/audio/portaudio-host.ts': 'waits for an output to drain, then a kill deadline for a child process (real time: the device and the child run in real time)',
  'plugins/video/pipe-sink.ts': 'kill deadline for a child process (real time: the child runs in real time)',
}

/** `file:line: text` for every direct use of time outside `allowed`. */
export function directTimeReads(files: ReadonlyMap<string, string>, allowed: Record<string, string> = ALLOWED): string[] {
  const found: string[] = []
  for (const [file, text] of files) {
    if (file in allowed) continue
    for (const [index, line] of text.split('\n').entries()) {
      const code = line.replace(/\/\/.*$/, '')
      if (/^\s*(\*|\/\*)/.test(code)) continue
      if (DIRECT_TIME.test(code)) found.push(`${file}:${index + 1}: ${line.trim()}`)
    }
  }

  return found
}

describe('time goes through the one injected clock (foundation/clock.ts)', () => {
  const sources = readSources(SRC)

  it('nothing under src/ reads or waits on time directly, but the allow-listed files', () => {
    expect(directTimeReads(sources)).toEqual([])
  })

  it('every allow-listed file exists and still uses time directly (no stale exceptions)', () => {
    const stale = Object.keys(ALLOWED).filter((file) => !sources.has(file) || directTimeReads(new Map([[file, sources.get(file)!]]), {}).length === 0)
    expect(stale).toEqual([])
  })

  it('finds a bare timer, Date.now called or passed, performance.now and hrtime; not the injected clock', () => {
    const files = new Map([
      ['call/a.ts', 'const t = setTimeout(() => undefined, 10)\n'],
      ['call/b.ts', 'const at = Date.now()\nconst read = options.now ?? Date.now\n'],
      ['media/c.ts', 'const ms = performance.now()\nconst us = process.hrtime.bigint()\nsetInterval(tick, 20)\n'],
      ['media/d.ts', '// setTimeout(x) in a comment\n * Date.now() in a doc comment\nclock.setTimeout(f, 1)\nthis.#clock.setInterval(g, 2)\nconst now = clock.now()\n'],
    ])
    expect(directTimeReads(files, {})).toEqual([
      'call/a.ts:1: const t = setTimeout(() => undefined, 10)',
      'call/b.ts:1: const at = Date.now()',
      'call/b.ts:2: const read = options.now ?? Date.now',
      'media/c.ts:1: const ms = performance.now()',
      'media/c.ts:2: const us = process.hrtime.bigint()',
      'media/c.ts:3: setInterval(tick, 20)',
    ])
  })
})
