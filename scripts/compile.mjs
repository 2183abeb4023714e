// The first step of `npm run build`: src/**/*.ts (tests aside) to dist/, file for file, with source maps. esbuild
// strips the types in ~1 s where tsc took ~25 s on the path before every test run; the types are checked by
// `npm run typecheck`, which `npm test` runs beside the tests and ESLint (scripts/lint-and-test.mjs). Safe file by
// file because tsconfig.json sets isolatedModules: tsc refuses what a one-file transpiler would get wrong (a type
// re-exported as a value).
import {readdir} from 'node:fs/promises'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {build} from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
const sources = (await readdir(join(root, 'src'), {recursive: true}))
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.d.ts'))
  .map((file) => join(root, 'src', file))

await build({
  entryPoints: sources,
  outdir: join(root, 'dist'),
  outbase: join(root, 'src'),
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  tsconfig: join(root, 'tsconfig.build.json'),
  logLevel: 'warning',
})
