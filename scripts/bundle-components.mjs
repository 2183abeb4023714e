// Part of `npm run build`, after tsc: bundles the lean entry of the components a call spawns (src/cli/fast-start.ts)
// into dist/bundle/. Loading ~120 separate files of oclif and ivc was most of a component's start-up (issue 12);
// one bundle, split at every dynamic import() so what a process does not use is still never loaded, halves it.
// Bundles the compiled dist/ (no second TypeScript pass).
import {readFile} from 'node:fs/promises'
import {relative} from 'node:path'
import {fileURLToPath} from 'node:url'

import {build} from 'esbuild'

const dist = fileURLToPath(new URL('../dist/', import.meta.url))

await build({
  entryPoints: [`${dist}cli/fast-start.js`],
  outdir: `${dist}bundle`,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // oclif requires typescript only to run .ts plugins in development; never bundle 9 MB of it.
  external: ['typescript'],
  logLevel: 'warning',
  // The CommonJS inside (oclif and its dependencies) calls require(), which an ES module does not have.
  banner: {js: "import {createRequire as __ivcCreateRequire} from 'node:module'; const require = __ivcCreateRequire(import.meta.url);"},
  plugins: [
    {
      // A bundled module must see the import.meta.url of its own dist/ file: native.ts resolves packages from it and the
      // PortAudio host finds its helper process next to it.
      name: 'own-import-meta-url',
      setup(bundle) {
        bundle.onLoad({filter: /\.js$/}, async ({path}) => {
          if (!path.startsWith(dist)) return undefined
          const contents = await readFile(path, 'utf8')
          const own = `new URL(${JSON.stringify(`../${relative(dist, path)}`)}, import.meta.url).href`
          return {contents: contents.replaceAll('import.meta.url', own), loader: 'js'}
        })
      },
    },
  ],
})
