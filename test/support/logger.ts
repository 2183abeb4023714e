import {createLogger, type Logger} from '../../src/foundation/logger.js'

/**
 * A logger that records what it would print, for asserting warnings; `waitFor` resolves on the first line (already
 * written or still to come) that matches, or rejects after `timeoutMs` (a safety net for a failing test).
 */
export function recordingLogger(): Logger & {lines: string[]; waitFor(match: (line: string) => boolean, timeoutMs?: number): Promise<string>} {
  const lines: string[] = []
  const waiters = new Set<{match: (line: string) => boolean; resolve: (line: string) => void}>()
  const logger = createLogger('debug', 'test', (line) => {
    lines.push(line)
    for (const waiter of waiters) if (waiter.match(line)) waiter.resolve(line)
  })
  const waitFor = (match: (line: string) => boolean, timeoutMs = 60_000): Promise<string> => {
    const seen = lines.find(match)
    if (seen !== undefined) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => (waiters.delete(waiter), reject(new Error(`no matching log line within ${timeoutMs} ms; last lines:\n${lines.slice(-5).join('')}`))), timeoutMs)
      const waiter = {match, resolve: (line: string) => (clearTimeout(timer), waiters.delete(waiter), resolve(line))}
      waiters.add(waiter)
    })
  }

  return Object.assign(logger, {lines, waitFor})
}
