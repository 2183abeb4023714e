/** Leveled logging to stderr only: stdout carries data (results, NDJSON events) and nothing else. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export interface Logger {
  readonly level: LogLevel
  error(message: string): void
  warn(message: string): void
  info(message: string): void
  debug(message: string): void
  child(scope: string): Logger
}

export function createLogger(
  level: LogLevel,
  scope = 'ivc',
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const rank = LOG_LEVELS.indexOf(level)
  // IVC_LOG_CLOCK=1: each line starts with the wall clock in ms, so the lines of a call's processes merge into one
  // timeline (bench/call-timeline.ts).
  const clock = process.env.IVC_LOG_CLOCK === '1'
  const emit = (at: LogLevel, message: string) => {
    // Real time, not a Clock: log timestamps sit below every clock user and need nothing wired in.
    if (LOG_LEVELS.indexOf(at) <= rank) write(`${clock ? `${(performance.timeOrigin + performance.now()).toFixed(1)} ` : ''}[${scope}] ${at}: ${message}\n`)
  }

  return {
    level,
    error: (message) => emit('error', message),
    warn: (message) => emit('warn', message),
    info: (message) => emit('info', message),
    debug: (message) => emit('debug', message),
    child: (child) => createLogger(level, `${scope}:${child}`, write),
  }
}
