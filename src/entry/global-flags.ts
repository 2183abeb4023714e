/**
 * `ivc --log-level debug doctor`: the global flags (every command has them) may come before the command. oclif takes
 * the first word as the command id, so they move to the end of the command line (before a `--`), where every
 * command parses them. Anything else before the command (`--help`, `--version`, a typo) is left for oclif to report.
 */
const WITH_VALUE = new Set(['--user', '-u', '--redis', '--log-level'])
const BOOLEAN = new Set(['--json'])

export function hoistGlobalFlags(argv: readonly string[]): string[] {
  let index = 0
  while (index < argv.length) {
    const token = argv[index]
    const name = token.split('=')[0]
    if (BOOLEAN.has(token) || (WITH_VALUE.has(name) && token.includes('='))) index += 1
    else if (WITH_VALUE.has(token) && index + 1 < argv.length) index += 2
    else break
  }

  if (index === 0 || index >= argv.length || argv[index].startsWith('-')) return [...argv]
  const globals = argv.slice(0, index)
  const rest = argv.slice(index)
  const end = rest.indexOf('--')
  return end === -1 ? [...rest, ...globals] : [...rest.slice(0, end), ...globals, ...rest.slice(end)]
}
