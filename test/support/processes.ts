import {execFile} from 'node:child_process'
import {promisify} from 'node:util'

/**
 * The `ps` lines (pid, state, command line) of the ivc processes whose command line mentions `text` (a call id): what
 * a test looks for to kill a component, or to see that none outlived a call. Not execFileSync: cases that run side by
 * side would all stall while one waited for ps.
 */
export async function ivcProcessesWith(text: string): Promise<string[]> {
  const {stdout} = await promisify(execFile)('ps', ['-eo', 'pid,stat,args'], {encoding: 'utf8'})
  return stdout.split('\n').filter((line) => line.includes(text) && line.includes('run.js'))
}

/** How often a wait for a call's processes to end looks again: ps costs CPU that the calls under test want. */
export const PS_POLL_MS = 250
