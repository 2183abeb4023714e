import {parse as oclifParse} from '@oclif/core/parser'
import {afterEach, describe, expect, it} from 'vitest'

import {IvcCommand} from '../../src/cli/base-command.js'
import {leanParse, NeedsOclif, type ParseOptions} from '../../src/entry/lean/parse.js'
import Call from '../../src/commands/call.js'
import Control from '../../src/commands/control.js'
import Listen from '../../src/commands/listen.js'
import StreamAudio from '../../src/commands/stream-audio.js'
import StreamVideo from '../../src/commands/stream-video.js'

/**
 * The lean parser of the call components (src/entry/lean/parse.ts) against oclif's own, on the real flag definitions
 * of each component command: for every command line it takes, it must give exactly oclif's args and flags, and every
 * line oclif rejects it must leave to oclif (NeedsOclif), so oclif reports the error. It may leave a valid line to
 * oclif too (that only costs start-up time), but not the lines a call gives its components.
 */
type Component = typeof StreamVideo | typeof StreamAudio | typeof Control | typeof Listen | typeof Call

function options(command: Component): ParseOptions {
  return {flags: command.flags, baseFlags: IvcCommand.baseFlags, args: command.args, strict: command.strict, enableJsonFlag: false} as unknown as ParseOptions
}

type Outcome = {ok: true; args: unknown; flags: unknown} | {ok: false}

async function viaOclif(command: Component, argv: string[]): Promise<Outcome> {
  const {flags, baseFlags, args, strict} = options(command)
  try {
    const result = await oclifParse(argv, {flags: {...baseFlags, ...flags}, args, strict} as never)
    return {ok: true, args: result.args, flags: result.flags}
  } catch {
    return {ok: false}
  }
}

async function viaLean(command: Component, argv: string[]): Promise<Outcome | 'oclif'> {
  try {
    const result = await leanParse(argv, options(command))
    return {ok: true, ...result}
  } catch (error) {
    if (error instanceof NeedsOclif) return 'oclif'
    throw error
  }
}

// A stream key (`ivc secret new`); control run takes any key string.
const SECRET = 'ivc1-AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9jDc0p'
const saved = {...process.env}
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
  Object.assign(process.env, saved)
})

function withEnv(env: Record<string, string>): void {
  for (const key of Object.keys(process.env)) if (key.startsWith('IVC_')) delete process.env[key]
  Object.assign(process.env, env)
}

interface Case {
  command: Component
  argv: string[]
  env?: Record<string, string>
}

const call = ['--user', 'alice', '--redis', 'redis://127.0.0.1:6379', '--log-level', 'warn', '--json', '--call-id', 'c1', '--await-start']
// The lines a call gives its components (src/call/media-session.ts), and the standalone ones of the README.
const leanLines: Case[] = [
  {command: StreamVideo, argv: ['--listen', '--port', '0', '--sink', 'null', ...call], env: {IVC_MEDIA_SECRET: SECRET}},
  {command: StreamVideo, argv: ['--to', '127.0.0.1:1', '--codec', 'raw', '--size', '320x240', '--fps', '15', '--quality', '70', '--connections', '20', ...call]},
  {command: StreamVideo, argv: ['--to', '10.0.0.5', '--adapt', 'seed', '--max-latency', '90', '--secret', SECRET]},
  {command: StreamVideo, argv: ['--listen', '--duration', '8', '-u', 'bob', '--log-level=debug', '--size=1280x720']},
  {command: StreamAudio, argv: ['--listen', '--port', '0', '--sink', 'null', ...call]},
  {command: StreamAudio, argv: ['--to', '127.0.0.1:1', '--source', 'tone', '--frequency', '880', '--connections', '10', ...call], env: {IVC_AUDIO_SINK: 'file', IVC_JSON: 'yes'}},
  {command: Control, argv: ['run', '--peer', 'bob', '--control-port', '0', ...call], env: {IVC_CALL_SECRET: SECRET}},
  {command: Control, argv: ['run', '--peer', 'bob', '--connect', '127.0.0.1:4000', ...call]},
  {command: Listen, argv: ['--user', 'bob', '--auto-accept', '--port', '0', '--no-video', '--json', '--timeout', '5']},
  {command: Listen, argv: ['--user', 'bob', '--video-sink', 'null', '--size', '320x240', '--address', '127.0.0.1', '--heartbeat-ms', '100', '--expiry-ms', '300']},
  {command: Call, argv: ['bob', '--user', 'alice', '--duration', '10', '--no-audio', '--directory', 'redis']},
  {command: Call, argv: ['--user', 'alice', 'bob', '--video-connections', '4']},
]

// Lines oclif rejects: the lean parser must not take any of them.
const rejected: Case[] = [
  {command: StreamVideo, argv: ['--fps', '0']},
  {command: StreamVideo, argv: ['--fps', 'ten']},
  {command: StreamVideo, argv: ['--port', '70000', '--listen']},
  {command: StreamVideo, argv: ['--to', 'x', '--listen']},
  {command: StreamVideo, argv: ['--listen', '--to', 'x']},
  {command: StreamVideo, argv: ['--to', 'x'], env: {IVC_VIDEO_LISTEN: 'false'}},
  {command: StreamVideo, argv: ['--to']},
  {command: StreamVideo, argv: ['--to', '--listen']},
  {command: StreamVideo, argv: ['--to=--listen']},
  {command: StreamVideo, argv: ['--to', 'a', '--to', 'b']},
  {command: StreamVideo, argv: ['--nope']},
  {command: StreamVideo, argv: ['extra']},
  {command: StreamVideo, argv: ['--listen=true']},
  {command: StreamVideo, argv: ['--adapt', 'fast']},
  {command: StreamVideo, argv: ['--listen'], env: {IVC_VIDEO_ADAPT: 'fast'}},
  {command: StreamVideo, argv: ['--secret', 'short']},
  {command: StreamVideo, argv: ['--listen'], env: {IVC_MEDIA_SECRET: 'short'}},
  {command: StreamVideo, argv: ['--log-level', 'loud']},
  {command: StreamVideo, argv: ['--no-listen']},
  {command: StreamAudio, argv: ['--frequency', '-5']},
  {command: StreamAudio, argv: ['-5']},
  {command: StreamAudio, argv: ['--connections', '65']},
  {command: Control, argv: []},
  {command: Control, argv: ['dance']},
  {command: Control, argv: ['chat', 'hi', 'there', 'all']},
  {command: Control, argv: ['run', '--control-port', '-1']},
  {command: Listen, argv: ['--auto-accept', '--auto-reject']},
  {command: Listen, argv: ['--size', '10x10']},
  {command: Listen, argv: ['--address', 'not an address!']},
  {command: Listen, argv: ['--heartbeat-ms', '5']},
  {command: Call, argv: ['--user', 'alice']},
  {command: Call, argv: ['bob', 'carol']},
]

// Valid lines with rarer syntax: the lean parser may leave them to oclif, and must agree where it does not.
const others: Case[] = [
  {command: StreamVideo, argv: ['--listen', '--', 'x']},
  {command: StreamVideo, argv: ['-ubob', '--listen']},
  {command: StreamVideo, argv: ['-u=bob', '--listen']},
  {command: StreamVideo, argv: ['--listen', '--listen']},
  {command: StreamVideo, argv: ['--to', '-x']},
  {command: StreamVideo, argv: [], env: {IVC_VIDEO_PORT: '0', IVC_VIDEO_LISTEN: 'YES', IVC_USER: 'env-user', IVC_REDIS: ''}},
  {command: StreamVideo, argv: ['--to', 'x'], env: {IVC_VIDEO_LISTEN: 'no'}},
  {command: StreamVideo, argv: ['--to', 'x'], env: {IVC_VIDEO_LISTEN: ''}},
  {command: StreamAudio, argv: ['--to', 'h:1', '--json'], env: {IVC_JSON: '0'}},
  {command: Control, argv: ['chat', 'hello there', '--user', 'a']},
  {command: Control, argv: ['status', '-u', 'a']},
  {command: Listen, argv: ['--video', '--no-video', '--audio']},
  {command: Listen, argv: [], env: {IVC_VIDEO: 'false', IVC_AUTO_ACCEPT: '1'}},
]

const label = ({command, argv, env}: Case) => `${command.name} ${argv.join(' ')}${env ? ` ${JSON.stringify(env)}` : ''}`

describe('the lean parser of the call components', () => {
  it.each(leanLines.map((item) => [label(item), item] as const))('takes %s, as oclif does', async (_, {command, argv, env}) => {
    withEnv(env ?? {})
    const oclif = await viaOclif(command, argv)
    expect(oclif.ok).toBe(true)
    expect(await viaLean(command, argv)).toEqual(oclif)
  })

  it.each(rejected.map((item) => [label(item), item] as const))('leaves %s to oclif, which rejects it', async (_, {command, argv, env}) => {
    withEnv(env ?? {})
    expect(await viaOclif(command, argv)).toEqual({ok: false})
    expect(await viaLean(command, argv)).toBe('oclif')
  })

  it.each(others.map((item) => [label(item), item] as const))('agrees with oclif on %s, or leaves it to oclif', async (_, {command, argv, env}) => {
    withEnv(env ?? {})
    const lean = await viaLean(command, argv)
    if (lean !== 'oclif') expect(lean).toEqual(await viaOclif(command, argv))
  })

  it('leaves a flag feature it does not know to oclif', async () => {
    const flags = {name: {type: 'option', multiple: true}} as unknown as ParseOptions['flags']
    await expect(leanParse(['--name', 'a'], {flags})).rejects.toBeInstanceOf(NeedsOclif)
  })
})
