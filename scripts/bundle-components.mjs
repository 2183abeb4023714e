// Part of `npm run build`, after tsc: bundles the lean entry of the components a call spawns (src/entry/lean-start.ts)
// into dist/bundle/. Loading ~120 separate files of oclif and ivc was most of a component's start-up (issue 12);
// one bundle, split at every dynamic import() so what a process does not use is still never loaded, halves it.
// In it, src/entry/lean/ stands in for oclif's Command, Flags and Args (oclif's module graph and Config cost a
// component another ~60 ms); command lines the lean parser leaves to oclif run unbundled (dist/entry/fast-start.js).
// Bundles the compiled dist/ (no second TypeScript pass).
import {readFile} from 'node:fs/promises'
import {relative} from 'node:path'
import {fileURLToPath} from 'node:url'

import {build} from 'esbuild'

const dist = fileURLToPath(new URL('../dist/', import.meta.url))

await build({
  entryPoints: [`${dist}entry/lean-start.js`],
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
      // ioredis adds ~600 command methods one by one to Commander.prototype on load. V8 keeps a class prototype in
      // fast mode, where every added property copies its map: ~30 ms of a component's start-up, the biggest single
      // cost after oclif. A prototype in dictionary mode takes them in ~1 ms, and V8 makes it fast again when it is
      // first used as a prototype, so nothing else changes. Adding and deleting one property switches the mode. If a
      // new ioredis no longer has this loop, the bundle is built without the change (and only starts slower).
      name: 'ioredis-commander-dictionary-mode',
      setup(bundle) {
        bundle.onLoad({filter: /[\\/]ioredis[\\/]built[\\/]utils[\\/]Commander\.js$/}, async ({path}) => {
          const contents = await readFile(path, 'utf8')
          const loop = 'commands.forEach(function (commandName) {'
          if (!contents.includes(loop)) return undefined
          const slow = 'Commander.prototype.__ivcDictionaryMode = true;\ndelete Commander.prototype.__ivcDictionaryMode;\n'
          return {contents: contents.replace(loop, slow + loop), loader: 'js'}
        })
      },
    },
    {
      // ivc's own modules get the lean stand-ins; oclif's modules (loaded lazily, if ever) keep their own.
      name: 'lean-oclif',
      setup(bundle) {
        const lean = {'@oclif/core/command': 'command', '@oclif/core/flags': 'flags', '@oclif/core/args': 'args'}
        bundle.onResolve({filter: /^@oclif\/core\/(command|flags|args)$/}, ({path, importer}) =>
          importer.startsWith(dist) ? {path: `${dist}entry/lean/${lean[path]}.js`} : undefined,
        )
      },
    },
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
