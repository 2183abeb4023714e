import {readFileSync} from 'node:fs'

import {Errors} from '@oclif/core'
import {describe, expect, it} from 'vitest'

import {IvcCommand} from '../../src/cli/base-command.js'
import {ExitError as LeanExitError} from '../../src/entry/lean/command.js'
import {ERRORS, isExitRequest, IvcError, renderError, toIvcError} from '../../src/foundation/errors.js'

describe('error table', () => {
  it('gives every code a distinct exit status', () => {
    const exits = Object.values(ERRORS).map((entry) => entry.exit)
    expect(new Set(exits).size).toBe(exits.length)
  })

  it('is documented row for row in docs/errors.md', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')
    const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d+) \|/gm)].map((match) => [match[1], Number(match[2])])
    expect(rows).toEqual(Object.entries(ERRORS).map(([code, entry]) => [code, entry.exit]))
  })

  it('renders one line plus the hint', () => {
    const text = renderError(new IvcError('UNKNOWN_USER', 'no user named "zed" in the directory'))
    expect(text).toBe('ivc: no user named "zed" in the directory [UNKNOWN_USER]\n  Try this: List who is there with `ivc presence list --all`.\n')
  })

  it('turns oclif parse errors into BAD_USAGE and anything else into BUG', () => {
    const parse = Object.assign(new Error('Nonexistent flag: --nope\nSee more help with --help'), {oclif: {exit: 2}})
    expect(toIvcError(parse)).toMatchObject({code: 'BAD_USAGE', exit: 2, message: 'Nonexistent flag: --nope'})
    expect(toIvcError(new TypeError('x is undefined'))).toMatchObject({code: 'BUG', exit: 1, message: 'internal error: TypeError: x is undefined'})
    const ours = new IvcError('NO_CALL')
    expect(toIvcError(ours)).toBe(ours)
  })

  it('lets this.exit() through: oclif\'s ExitError (its name is plain "Error") and the lean start\'s are no failure', async () => {
    for (const exit of [new Errors.ExitError(0), new LeanExitError(0)]) {
      expect(exit.name).toBe('Error')
      expect(isExitRequest(exit)).toBe(true)
      const before = process.exitCode
      // As oclif calls it: the exit request is thrown on, untouched, and nothing is reported.
      await expect(IvcCommand.prototype.catch.call({argv: []} as unknown as IvcCommand<typeof IvcCommand>, exit)).rejects.toBe(exit)
      expect(process.exitCode).toBe(before)
    }

    expect(isExitRequest(Object.assign(new Error('Nonexistent flag: --nope'), {oclif: {exit: 2}}))).toBe(false)
    expect(isExitRequest(new IvcError('NO_CALL'))).toBe(false)
  })
})
