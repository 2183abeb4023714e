import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {renderManPage} from '../../src/cli/man-page.js'
import {ERRORS} from '../../src/foundation/errors.js'

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')

describe('the man page (docs/ivc.1)', () => {
  const manifest = JSON.parse(read('oclif.manifest.json'))
  const pjson = JSON.parse(read('package.json'))
  const page = renderManPage(manifest, {version: pjson.version, description: pjson.description})

  it('is what the current help makes (after changing a command\'s help: npm run build && node scripts/man-page.mjs)', () => {
    expect(read('docs/ivc.1')).toBe(page)
  })

  it('has every visible command, its flags and every exit code, and no line roff would take as a request by mistake', () => {
    for (const command of Object.values(manifest.commands) as Array<{id: string; hidden?: boolean; flags: Record<string, {hidden?: boolean; allowNo?: boolean}>}>) {
      if (command.hidden) continue
      expect(page).toContain(`.B ivc ${command.id.replaceAll(':', ' ').replaceAll('-', '\\-')}`)
      for (const [name, flag] of Object.entries(command.flags)) {
        // A boolean with a --no- form is listed as --[no-]NAME.
        if (!flag.hidden) expect(page, `${command.id} --${name}`).toContain(`\\-\\-${flag.allowNo ? '[no\\-]' : ''}${name.replaceAll('-', '\\-')}`)
      }
    }

    for (const [code, entry] of Object.entries(ERRORS)) expect(page).toContain(`.B ${entry.exit}\n${code.replaceAll('-', '\\-')}: `)
    const requests = new Set(['.TH', '.SH', '.SS', '.B', '.I', '.TP', '.PP', '.RS', '.RE', '.nf', '.fi'])
    for (const line of page.split('\n')) if (line.startsWith('.') || line.startsWith('\'')) expect(requests, line).toContain(line.split(' ')[0])
  })
})
