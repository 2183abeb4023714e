import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {execa, type ResultPromise} from 'execa'

export const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

export interface CliResult {
  exitCode: number
  stdout: string
  stderr: string
}

/**
 * The config directory test CLI processes share unless a test gives its own: empty at the start of each test worker,
 * so no config file of the developer's applies, and identities (created on first use) and known peers stay here.
 */
export const TEST_CONFIG_HOME = mkdtempSync(join(tmpdir(), 'ivc-test-config-'))

/** The environment a test CLI process gets: nothing from the developer's IVC_* settings or config file leaks in. */
export function cliEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {}
  for (const key of Object.keys(process.env)) if (key.startsWith('IVC_')) env[key] = undefined
  return {...env, XDG_CONFIG_HOME: TEST_CONFIG_HOME, ...extra}
}

/** Run the built CLI to completion. */
export async function runCli(args: string[], options: {env?: Record<string, string | undefined>; timeoutMs?: number; input?: string} = {}): Promise<CliResult> {
  const result = await execa('node', [BIN, ...args], {
    env: cliEnv(options.env),
    extendEnv: true,
    reject: false,
    timeout: options.timeoutMs ?? 60_000,
    input: options.input,
  })
  return {exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr}
}

/**
 * Start the built CLI as a long-running child; the caller stops it (tracked so a failed test cannot leak it).
 * `terminal`: in a process group of its own, as a shell runs a job, so `pressCtrlC` can signal the group as a
 * terminal's Ctrl-C does (every process in the foreground group gets SIGINT, not only the one the test started).
 */
export function startCli(args: string[], options: {env?: Record<string, string | undefined>; terminal?: boolean} = {}): ResultPromise {
  const child = execa('node', [BIN, ...args], {
    env: cliEnv(options.env),
    extendEnv: true,
    reject: false,
    buffer: true,
    detached: options.terminal ?? false,
  })
  running.add(child)
  void child.finally(() => running.delete(child))
  return child
}

const running = new Set<ResultPromise>()

/** Kill every child startCli started that is still running (use in afterEach/afterAll). */
export async function killAll(): Promise<void> {
  for (const child of running) child.kill('SIGKILL')
  await Promise.allSettled([...running])
}

/** Resolve once `predicate` holds for a line the child wrote to `stream`, or reject after `timeoutMs`. */
export function waitForLine(child: ResultPromise, stream: 'stdout' | 'stderr', predicate: (line: string) => boolean, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = ''
    const source = child[stream]!
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        if (predicate(line)) {
          cleanup()
          resolve(line)
          return
        }
      }
    }

    const timer = setTimeout(() => {
      cleanup()
      reject(new Error(`no matching ${stream} line within ${timeoutMs} ms`))
    }, timeoutMs)
    const cleanup = () => {
      clearTimeout(timer)
      source.off('data', onData)
    }

    source.on('data', onData)
  })
}

/**
 * Every line a child writes to `stream`, kept from the start, so a test can wait for a line that may already have
 * been printed (waitForLine only sees lines that arrive after it is called).
 */
export function lineLog(child: ResultPromise, stream: 'stdout' | 'stderr' = 'stdout') {
  const lines: string[] = []
  const waiters = new Set<{predicate: (line: string) => boolean; resolve: (line: string) => void}>()
  let partial = ''
  child[stream]!.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n')
    partial = parts.pop() ?? ''
    for (const line of parts) {
      lines.push(line)
      for (const waiter of waiters) {
        if (waiter.predicate(line)) {
          waiters.delete(waiter)
          waiter.resolve(line)
        }
      }
    }
  })
  return {
    lines,
    /** The first line (at index `from` or later) that matches. */
    waitFor(predicate: (line: string) => boolean, timeoutMs = 60_000, from = 0): Promise<string> {
      const seen = lines.slice(from).find(predicate)
      if (seen !== undefined) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const waiter = {predicate, resolve: (line: string) => (clearTimeout(timer), resolve(line))}
        const timer = setTimeout(() => {
          waiters.delete(waiter)
          reject(new Error(`no matching ${stream} line within ${timeoutMs} ms; last lines:\n${lines.slice(-5).join('\n')}`))
        }, timeoutMs)
        waiters.add(waiter)
      })
    },
  }
}

/** Ctrl-C in the terminal of a child started with `terminal: true`: SIGINT to its whole process group. */
export function pressCtrlC(child: ResultPromise): void {
  process.kill(-child.pid!, 'SIGINT')
}
