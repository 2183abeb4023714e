import {execa, type ResultPromise} from 'execa'

import {BIN, cliEnv} from './cli.js'

/**
 * The built CLI on a pseudo-terminal (util-linux `script`), for what only happens on a TTY: the call terminal's keys
 * and status line. The test types with `type()` and reads the screen as text (escape sequences and carriage
 * returns removed); everything the process wrote is kept, so a wait can match text printed before it was called.
 */
export interface PtyProcess {
  child: ResultPromise
  /** Everything written so far, as plain text. */
  screen(): string
  /** Resolves once the screen (from `from`, an earlier screen().length) contains `text`. */
  waitFor(text: string | RegExp, from?: number, timeoutMs?: number): Promise<void>
  type(keys: string): void
}

const running = new Set<ResultPromise>()

export function startInPty(args: string[], env: Record<string, string | undefined> = {}): PtyProcess {
  const quoted = [process.execPath, BIN, ...args].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ')
  const child = execa('script', ['-qfec', `stty cols 300 rows 40; exec ${quoted}`, '/dev/null'], {env: {...cliEnv(env), TERM: 'xterm'}, extendEnv: true, reject: false, stdin: 'pipe', buffer: false})
  running.add(child)
  void child.finally(() => running.delete(child))
  let raw = ''
  const waiters = new Set<() => void>()
  child.stdout!.on('data', (chunk: Buffer) => {
    raw += chunk.toString()
    for (const wake of waiters) wake()
  })
  // eslint-disable-next-line no-control-regex -- stripping terminal escape sequences is the point
  const screen = () => raw.replaceAll(/\u001B\[[\d;?]*[A-Za-z]|\u001B\][^\u0007]*\u0007/g, '').replaceAll('\r', '\n')
  return {
    child,
    screen,
    type: (keys) => child.stdin!.write(keys),
    waitFor(text, from = 0, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const rest = screen().slice(from)
          if (typeof text === 'string' ? rest.includes(text) : text.test(rest)) {
            clearTimeout(timer)
            waiters.delete(check)
            resolve()
          }
        }

        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`no ${String(text)} on the terminal within ${timeoutMs} ms; since the wait began it shows:\n${withoutRedraws(screen().slice(from)).slice(-3000)}`))
        }, timeoutMs)
        waiters.add(check)
        check()
      })
    },
  }
}

/** The screen with each run of redrawn status lines (one per second in a call) cut to its last: what else was printed stays in view. */
function withoutRedraws(text: string): string {
  const lines = text.split('\n').filter((line) => line !== '')
  return lines.filter((line, index) => !(line.startsWith('in call with') && lines[index + 1]?.startsWith('in call with'))).join('\n')
}

/** Kill every pty process still running (afterEach). */
export async function killPtys(): Promise<void> {
  for (const child of running) child.kill('SIGKILL')
  await Promise.allSettled([...running])
}
