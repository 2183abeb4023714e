import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

export const PULSEAUDIO_INSTALL_HINT = 'pulseaudio is not installed: run `sudo apt-get install -y pulseaudio` (or `bash scripts/setup.sh`)'

export interface PulseAudioServer {
  /** Environment for a client process: PULSE_SERVER pointing at this daemon. */
  env: Record<string, string>
  /** A null sink (48 kHz mono) and its monitor source. */
  sink: string
  monitor: string
  process: ChildProcess
  stop(): Promise<void>
}

/**
 * A private, throwaway PulseAudio daemon with one null sink, on its own unix socket, so tests can play and record
 * real samples with no sound card. It runs as any user, root included (`--system=false`, own runtime directory),
 * with no config files, D-Bus or cookie.
 */
export async function startPulseAudio(sink = 'ivc_null'): Promise<PulseAudioServer> {
  if (spawnSync('pulseaudio', ['--version']).error) throw new Error(PULSEAUDIO_INSTALL_HINT)
  const dir = mkdtempSync(join(tmpdir(), 'ivc-pulse-'))
  const socket = join(dir, 'native')
  const env = {...process.env, HOME: dir, XDG_RUNTIME_DIR: dir, XDG_CONFIG_HOME: dir}
  const child = spawn(
    'pulseaudio',
    [
      '-n', '--daemonize=no', '--system=false', '--exit-idle-time=-1', '--disallow-exit', '--use-pid-file=no', '--log-target=stderr', '--log-level=error',
      '-F', '/dev/null',
      `--load=module-native-protocol-unix socket=${socket} auth-anonymous=1`,
      `--load=module-null-sink sink_name=${sink} rate=48000 channels=1 format=s16le`,
    ],
    {env, stdio: ['ignore', 'ignore', 'pipe']},
  )
  let errors = ''
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()))
  const deadline = Date.now() + 10_000
  while (!existsSync(socket)) {
    if (child.exitCode !== null) throw new Error(`pulseaudio exited with ${child.exitCode} before it was ready: ${errors.trim()}`)
    if (Date.now() > deadline) throw new Error(`pulseaudio did not create its socket within 10 s: ${errors.trim()}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }

  return {
    env: {PULSE_SERVER: `unix:${socket}`},
    sink,
    monitor: `${sink}.monitor`,
    process: child,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
      }

      rmSync(dir, {recursive: true, force: true})
    },
  }
}
