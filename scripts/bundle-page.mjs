// Part of `npm run build`: bundles the page of `ivc ui` (web/) into dist/page/, which the ui process serves
// (src/ui/http-server.ts) and nothing else: one script, one style sheet, one HTML page, no CDN, nothing fetched at
// run time. esbuild strips the types; `npm run typecheck` checks them (web/tsconfig.json).
import {copyFile, mkdir} from 'node:fs/promises'
import {fileURLToPath} from 'node:url'

import {build} from 'esbuild'

const root = fileURLToPath(new URL('../', import.meta.url))
const out = `${root}dist/page/`

await mkdir(out, {recursive: true})
await build({
  // The page, and its audio worklet (a module the browser loads on its own: web/audio-out.ts).
  entryPoints: {app: `${root}web/main.ts`, 'audio-worklet': `${root}web/audio-worklet.ts`},
  outdir: out,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  sourcemap: false,
  logLevel: 'warning',
})
await copyFile(`${root}web/index.html`, `${out}index.html`)
await copyFile(`${root}web/app.css`, `${out}app.css`)
await copyFile(`${root}web/favicon.svg`, `${out}favicon.svg`)
