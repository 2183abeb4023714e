/**
 * The layer rule of docs/architecture.md, checked on the import graph of `src/`: each top-level folder may import
 * only folders below it in LAYERS (never one at its own rank or above), so no two folders import each other.
 * Type-only imports count too: they couple the folders just the same.
 */
import {readdirSync, readFileSync} from 'node:fs'
import {dirname, join, normalize, relative, sep} from 'node:path'

/** Lowest first. A folder imports only folders listed before it. */
export const LAYERS = [
  'foundation',
  'security',
  'protocol',
  'transport',
  'adapt',
  'bus',
  'media',
  'directory',
  'plugins',
  'call',
  'diagnostics',
  'ui',
  'cli',
  'commands',
  'entry',
] as const

export interface Import {
  from: string
  to: string
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g

/** Every relative import in the given sources, as `{from, to}` paths relative to `root`. */
export function importsOf(root: string, files: ReadonlyMap<string, string>): Import[] {
  const imports: Import[] = []
  for (const [file, text] of files) {
    for (const match of text.matchAll(IMPORT)) {
      imports.push({from: file, to: relative(root, normalize(join(root, dirname(file), match[1])))})
    }
  }

  return imports
}

/** The top-level folder of a path under `src/` (a file directly in `src/` has none). */
function folderOf(path: string): string | undefined {
  const parts = path.split(sep)
  return parts.length > 1 ? parts[0] : undefined
}

/** Each import that breaks the layer order, as one readable line; an unknown folder is a violation too. */
export function layerViolations(imports: readonly Import[], layers: readonly string[] = LAYERS): string[] {
  const violations: string[] = []
  for (const {from, to} of imports) {
    const fromFolder = folderOf(from)
    const toFolder = folderOf(to)
    if (!fromFolder || !toFolder || fromFolder === toFolder) continue
    const fromRank = layers.indexOf(fromFolder)
    const toRank = layers.indexOf(toFolder)
    if (fromRank < 0) violations.push(`${from}: folder ${fromFolder} is not in the layer list`)
    else if (toRank < 0) violations.push(`${from} imports ${to}: folder ${toFolder} is not in the layer list`)
    else if (toRank >= fromRank) violations.push(`${from} imports ${to}: ${fromFolder} may not import ${toFolder}`)
  }

  return violations
}

/** The sources of every .ts file under `root`, keyed by path relative to it. */
export function readSources(root: string): Map<string, string> {
  const files = new Map<string, string>()
  for (const entry of readdirSync(root, {recursive: true, withFileTypes: true})) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue
    const path = join(entry.parentPath, entry.name)
    files.set(relative(root, path), readFileSync(path, 'utf8'))
  }

  return files
}
