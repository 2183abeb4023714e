import type {ProbeResult} from './types.js'

export const FFMPEG_HINT = 'sudo apt-get install -y ffmpeg'

/** Whether an external program runs here (e.g. ffplay), with its version line. */
export async function probeProgram(program: string, hint: string): Promise<ProbeResult> {
  try {
    // execa (~100 modules) only for a probe that runs a program.
    const {execa} = await import('execa')
    const {stdout} = await execa(program, ['-version'], {timeout: 5000, reject: false})
    const first = stdout.split('\n')[0]
    if (!first) return {ok: false, detail: `${program} printed no version`, hint}
    return {ok: true, detail: first}
  } catch {
    return {ok: false, detail: `${program} not found on PATH`, hint}
  }
}
