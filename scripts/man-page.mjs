#!/usr/bin/env node
// Writes docs/ivc.1, the man page, from the built help (oclif.manifest.json) and the error table: run after
// `npm run build` whenever a command's help changes (test/cli/man-page.test.ts fails until you do).
import {readFileSync, writeFileSync} from 'node:fs'

const root = new URL('..', import.meta.url)
const {renderManPage} = await import(new URL('dist/cli/man-page.js', root).href)
const manifest = JSON.parse(readFileSync(new URL('oclif.manifest.json', root), 'utf8'))
const pjson = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'))
writeFileSync(new URL('docs/ivc.1', root), renderManPage(manifest, {version: pjson.version, description: pjson.description}))
console.error('wrote docs/ivc.1')
