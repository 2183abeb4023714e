import {ERRORS} from '../foundation/errors.js'

/**
 * The ivc(1) man page, made from what `--help` shows (the oclif manifest: every command's summary, description,
 * arguments, flags and examples) plus the exit codes of the one error table, so the page cannot drift from the help.
 * scripts/man-page.mjs writes it to docs/ivc.1; setup installs it; a test checks the file is current.
 */
export interface ManifestFlag {
  name: string
  char?: string
  description?: string
  type: string
  default?: unknown
  env?: string
  options?: string[]
  helpGroup?: string
  hidden?: boolean
  allowNo?: boolean
}

export interface ManifestCommand {
  id: string
  summary?: string
  description?: string
  hidden?: boolean
  args?: Record<string, {name: string; description?: string; required?: boolean; options?: string[]}>
  flags?: Record<string, ManifestFlag>
  examples?: Array<string | {description: string; command: string}>
}

export function renderManPage(manifest: {commands: Record<string, ManifestCommand>}, meta: {version: string; description: string}): string {
  const commands = Object.values(manifest.commands)
    .filter((command) => !command.hidden)
    .sort((a, b) => a.id.localeCompare(b.id))
  const globals = Object.values(commands[0]?.flags ?? {}).filter((flag) => flag.helpGroup === 'GLOBAL')
  const lines = [
    `.TH IVC 1 "" "ivc ${meta.version}" "User Commands"`,
    '.SH NAME',
    `ivc \\- ${text(meta.description)}`,
    '.SH SYNOPSIS',
    '.B ivc',
    '.I command',
    '[\\fIargs\\fR] [\\fIflags\\fR]',
    '.SH DESCRIPTION',
    text('Each part of a peer is its own command and process, joined by a local Redis bus: `ivc listen` and `ivc call` run a whole call, `ivc stream-video` and `ivc stream-audio` one stream, `ivc control` drives a running call. `ivc COMMAND --help` shows the same text as this page for one command.'),
    '.SH COMMANDS',
  ]
  for (const command of commands) lines.push(...renderCommand(command))
  lines.push('.SH GLOBAL FLAGS', text('Every command takes these, before or after the command word.'))
  for (const flag of globals) lines.push(...renderFlag(flag))
  lines.push(
    '.SH FILES',
    '.TP',
    '.I ~/.config/ivc/config.json',
    text('Flag defaults: a JSON object of flag names to values. Below flags and IVC_* variables; IVC_CONFIG names another file.'),
    '.SH EXIT STATUS',
  )
  for (const [code, entry] of Object.entries(ERRORS)) lines.push('.TP', `.B ${entry.exit}`, text(`${code}: ${entry.message}. ${entry.suggestion}`))
  lines.push('.SH SEE ALSO', text('docs/ in the ivc source: architecture.md, protocol.md, bus.md, errors.md.'))
  return lines.join('\n') + '\n'
}

function renderCommand(command: ManifestCommand): string[] {
  const args = Object.values(command.args ?? {})
  const usage = [command.id.replaceAll(':', ' '), ...args.map((arg) => (arg.required ? arg.name.toUpperCase() : `[${arg.name.toUpperCase()}]`))].join(' ')
  const lines = ['.SS', `.B ivc ${escape(usage)}`]
  if (command.summary) lines.push(text(command.summary))
  if (command.description) lines.push('.PP', text(command.description))
  for (const arg of args) lines.push('.TP', `.I ${arg.name.toUpperCase()}`, text([arg.description ?? '', arg.options ? `One of: ${arg.options.join(', ')}.` : ''].filter(Boolean).join(' ')))
  for (const flag of Object.values(command.flags ?? {})) {
    if (flag.helpGroup !== 'GLOBAL' && !flag.hidden) lines.push(...renderFlag(flag))
  }

  const examples = command.examples ?? []
  if (examples.length > 0) {
    lines.push('.PP', 'Examples:', '.RS', '.nf')
    for (const example of examples) {
      const {description, command: line} = typeof example === 'string' ? {description: undefined, command: example} : example
      if (description) lines.push(escape(`# ${description}`))
      lines.push(escape(line.replaceAll('<%= config.bin %>', 'ivc')))
    }

    lines.push('.fi', '.RE')
  }

  return lines
}

function renderFlag(flag: ManifestFlag): string[] {
  const names = [flag.char ? `\\-${flag.char}` : '', `\\-\\-${flag.allowNo ? '[no\\-]' : ''}${escape(flag.name)}`].filter(Boolean).join(', ')
  const value = flag.type === 'option' ? (flag.options ? ` ${escape(flag.options.join('|'))}` : ' \\fIvalue\\fR') : ''
  const notes = [flag.default !== undefined && flag.default !== false ? `Default: ${String(flag.default)}.` : '', flag.env ? `Environment: ${flag.env}.` : ''].filter(Boolean)
  return ['.TP', `.B ${names}${value}`, text([flag.description ?? '', ...notes].join(' '))]
}

/** Running text: escaped, and never starting a line with a control character. */
function text(value: string): string {
  const escaped = escape(value)
  return /^[.']/.test(escaped) ? `\\&${escaped}` : escaped
}

function escape(value: string): string {
  return value.replaceAll('\\', '\\e').replaceAll('-', '\\-').replaceAll('\n', ' ')
}
