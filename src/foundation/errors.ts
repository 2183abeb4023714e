/**
 * The one table of ivc's user-facing errors. Each code has a fixed exit status, a default message and a
 * "try this" suggestion. docs/errors.md mirrors this table (a test keeps the two in step).
 *
 * A user error is something the person running ivc can fix (a flag, a name, a dead peer, a missing backend):
 * it prints one line plus the hint, never a stack. Anything thrown that is not an IvcError is a bug.
 */
export const ERRORS = {
  BUG: {exit: 1, message: 'internal error', suggestion: 'Run again with --log-level debug and report the stack trace.'},
  BAD_USAGE: {exit: 2, message: 'invalid command line', suggestion: 'See the command\'s --help for its flags and examples.'},
  NOT_IMPLEMENTED: {exit: 3, message: 'this command is not implemented yet', suggestion: 'Run `ivc --help` to see which commands work today.'},
  CONFIG_INVALID: {exit: 4, message: 'the config file cannot be used', suggestion: 'Fix or remove the file; it must be a JSON object of flag names to values.'},
  SECRET_INVALID: {exit: 5, message: 'the stream secret is not an ivc key', suggestion: 'Make one with `ivc secret new` and give the same one to both ends (IVC_MEDIA_SECRET).'},
  REDIS_UNREACHABLE: {exit: 10, message: 'cannot reach Redis', suggestion: 'Start it (`redis-server --daemonize yes`) or point --redis / IVC_REDIS at a running one.'},
  BUS_TIMEOUT: {exit: 11, message: 'no answer on the bus', suggestion: 'Check that the component is running for this --user (`ivc doctor`).'},
  DIRECTORY_UNREACHABLE: {exit: 12, message: 'cannot reach the directory', suggestion: 'Check --directory / IVC_DIRECTORY; omit it to use the local Redis directory.'},
  INVALID_USERNAME: {exit: 13, message: 'invalid username', suggestion: 'Use 1-32 characters: letters, digits, ".", "_" or "-", starting with a letter or digit.'},
  NAME_TAKEN: {exit: 14, message: 'that name is online from another address', suggestion: 'Pick another --user, or wait until the other one goes offline.'},
  UNKNOWN_USER: {exit: 15, message: 'no such user in the directory', suggestion: 'List who is there with `ivc presence list --all`.'},
  USER_OFFLINE: {exit: 16, message: 'that user is offline', suggestion: 'List who is online with `ivc presence list`.'},
  PEER_UNREACHABLE: {exit: 20, message: 'cannot connect to the peer', suggestion: 'Check the address and port, and that the peer is listening (`ivc listen`).'},
  PEER_GONE: {exit: 21, message: 'the peer went away', suggestion: 'The other side closed or crashed; call again when it is back.'},
  PROTOCOL_ERROR: {exit: 22, message: 'the peer sent something ivc does not understand', suggestion: 'Both sides must run compatible ivc versions (`ivc --version`).'},
  AUTH_FAILED: {exit: 23, message: 'the peer refused our credentials', suggestion: 'Both ends need the same secret: a call passes its own; standalone streams take the same --secret (IVC_MEDIA_SECRET, made by `ivc secret new`) on both ends.'},
  CALL_REJECTED: {exit: 24, message: 'the call was declined', suggestion: 'Try again later.'},
  CALL_BUSY: {exit: 25, message: 'the user is busy in another call', suggestion: 'Try again when their call ends.'},
  CALL_TIMEOUT: {exit: 26, message: 'no answer', suggestion: 'The peer did not accept in time; raise --timeout or try later.'},
  NO_CALL: {exit: 27, message: 'no call is running for this user', suggestion: 'Start one with `ivc listen` or `ivc call NAME`, with the same --user.'},
  COMPONENT_FAILED: {exit: 28, message: 'a component of the call failed', suggestion: 'Run again with --log-level debug to see the component\'s own error; `ivc doctor` checks the backends.'},
  IDENTITY_CHANGED: {exit: 29, message: 'the peer\'s identity key is not the one pinned for it', suggestion: 'If the peer really has a new key, accept it with `ivc trust NAME`; otherwise someone may be posing as them.'},
  BACKEND_MISSING: {exit: 30, message: 'a media backend is not available here', suggestion: 'Run `ivc doctor` to see which backends work and how to install the others.'},
  UNKNOWN_BACKEND: {exit: 31, message: 'no backend by that name', suggestion: 'Run `ivc doctor` to list the backends of each kind.'},
  NO_DEVICE: {exit: 32, message: 'no such capture or playback device', suggestion: 'List devices with `ivc devices`.'},
  PORT_IN_USE: {exit: 33, message: 'the port is already in use', suggestion: 'Pick another --port, or 0 for any free one.'},
  EXTERNAL_TOOL_FAILED: {exit: 34, message: 'an external program failed', suggestion: 'Run `ivc doctor` to check ffplay/ffmpeg.'},
  RECORD_FAILED: {exit: 35, message: 'the call cannot be recorded there', suggestion: 'Give --record a file in an existing directory you can write to, e.g. ./call.mkv.'},
} as const satisfies Record<string, {exit: number; message: string; suggestion: string}>

export type ErrorCode = keyof typeof ERRORS

export class IvcError extends Error {
  readonly code: ErrorCode
  readonly exit: number
  readonly suggestion: string

  constructor(code: ErrorCode, message?: string, options: {suggestion?: string; cause?: unknown} = {}) {
    super(message ?? ERRORS[code].message, {cause: options.cause})
    this.name = 'IvcError'
    this.code = code
    this.exit = ERRORS[code].exit
    this.suggestion = options.suggestion ?? ERRORS[code].suggestion
  }

  toJSON(): {code: ErrorCode; exit: number; message: string; suggestion: string} {
    return {code: this.code, exit: this.exit, message: this.message, suggestion: this.suggestion}
  }
}

export function isIvcError(error: unknown): error is IvcError {
  return error instanceof IvcError
}

/**
 * Whether `error` is oclif's request to exit with a status (`this.exit(n)` throws it): its name is plain 'Error'
 * (oclif's ExitError, and the lean start's, set no name), so it is known by its code 'EEXIT'. Not a failure to report.
 */
export function isExitRequest(error: unknown): error is Error & {oclif: {exit: number}} {
  return error instanceof Error && (error as {code?: unknown}).code === 'EEXIT' && typeof (error as {oclif?: {exit?: unknown}}).oclif?.exit === 'number'
}

/** Any thrown value as an IvcError: ours pass through, oclif's parse errors become BAD_USAGE, the rest are bugs. */
export function toIvcError(error: unknown): IvcError {
  if (error instanceof IvcError) {
    // oclif wraps the message of an error thrown by a flag's parse() in place; ours was one line already.
    const wrapped = /^Parsing --\S+ \n\t(.*)\nSee more help with --help$/s.exec(error.message)
    if (wrapped) error.message = wrapped[1]
    return error
  }

  const oclif = (error as {oclif?: {exit?: number}} | undefined)?.oclif
  if (error instanceof Error && oclif?.exit === 2) {
    return new IvcError('BAD_USAGE', firstLine(error.message), {cause: error})
  }

  const message = error instanceof Error ? `${error.name}: ${firstLine(error.message)}` : String(error)
  return new IvcError('BUG', `internal error: ${message}`, {cause: error})
}

/** The user-facing rendering: one line, then the hint. */
export function renderError(error: IvcError): string {
  return `ivc: ${error.message} [${error.code}]\n  Try this: ${error.suggestion}\n`
}

/** The first non-empty line of a message: errors are reported in one line. */
export function firstLine(text: string): string {
  return text.split('\n').map((line) => line.trim()).find((line) => line.length > 0) ?? text
}
