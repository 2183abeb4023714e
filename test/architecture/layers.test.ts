import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

import {importsOf, LAYERS, layerViolations, readSources} from './layers.js'

const SRC = fileURLToPath(new URL('../../src', import.meta.url))

describe('the layer rule (docs/architecture.md)', () => {
  it('holds for every import under src/', () => {
    const sources = readSources(SRC)
    const violations = layerViolations(importsOf(SRC, sources))
    expect(violations).toEqual([])
  })

  it('lists every folder of src/ in the layer order', () => {
    const folders = new Set([...readSources(SRC).keys()].filter((path) => path.includes('/')).map((path) => path.split('/')[0]))
    expect([...folders].sort()).toEqual([...LAYERS].sort())
  })

  it('fails on an upward import, a sideways one, a type-only one and a dynamic one', () => {
    const sources = new Map([
      ['foundation/errors.ts', "import {Command} from '../cli/base-command.js'\n"],
      ['bus/bus.ts', "import {createLogger} from '../foundation/logger.js'\nimport type {Call} from '../call/types.js'\n"],
      ['media/stream.ts', "const registry = await import('../plugins/registry.js')\n"],
      ['call/driver.ts', "import {openDirectory} from '../directory/open.js'\nimport './state.js'\n"],
      ['nowhere/thing.ts', "import {IvcError} from '../foundation/errors.js'\n"],
    ])
    expect(layerViolations(importsOf('/src', sources))).toEqual([
      'foundation/errors.ts imports cli/base-command.js: foundation may not import cli',
      'bus/bus.ts imports call/types.js: bus may not import call',
      'media/stream.ts imports plugins/registry.js: media may not import plugins',
      'nowhere/thing.ts: folder nowhere is not in the layer list',
    ])
  })
})
