import {createLogger, type Logger} from '../../src/cli/logger.js'

/** A logger that records what it would print, for asserting warnings. */
export function recordingLogger(): Logger & {lines: string[]} {
  const lines: string[] = []
  const logger = createLogger('debug', 'test', (line) => lines.push(line))
  return Object.assign(logger, {lines})
}
