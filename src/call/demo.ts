import type {ListrTask} from 'listr2'

import {Bus} from '../bus/bus.js'
import type {CallStateReply, TopicEnvelope} from '../bus/messages.js'
import {startPrivateRedis} from '../bus/private-redis.js'
import {redactRedisUrl} from '../bus/redis-url.js'
import {openRedis} from '../bus/redis-client.js'
import {type Clock, realClock, sleep} from '../foundation/clock.js'
import {requestCall} from './control-client.js'
import type {CallSummary} from './driver.js'
import {type Component, Supervisor} from './supervisor.js'
import type {Logger} from '../foundation/logger.js'

/** A step of the demo (bob listening, the call answered, media up) takes about a second; on a loaded machine far more. */
const DEMO_STEP_MS = 60_000

export interface DemoOptions {
  redis: string
  durationS: number
  videoSink: string
  audioSink: string
  logLevel: string
  logger: Logger
  signal: AbortSignal
  /** Runs the demo's steps with progress on the terminal: given by the command, since rendering is the CLI's job. */
  runSteps: StepRunner
  /** Default realClock. */
  clock?: Clock
}

export type StepRunner = <Ctx extends object>(tasks: ListrTask<Ctx>[], context: Ctx) => Promise<Ctx>

export interface DemoResult {
  alice: CallSummary
  bob: CallSummary
  redis: string
  /** The text message alice sent, as bob's call component showed it (undefined if it never arrived). */
  bobHeard?: string
}

interface DemoContext {
  redis?: string
  stopRedis?: () => Promise<void>
  bob?: Component
  aliceCall?: Component
  bobEnded?: Promise<Record<string, unknown>>
  aliceBus?: Bus
  bobBus?: Bus
  result?: DemoResult
  bobHeard?: string
}

/**
 * `ivc demo`: a real call between alice and bob on this host — every component a real process, real Redis (a
 * private one when none is running), real TCP — with video and audio toggled mid-call and both summaries at the end.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const clock = options.clock ?? realClock
  const supervisor = new Supervisor(options.logger, (exit) => options.logger.warn(`demo: ${exit.name} stopped unexpectedly`), undefined, clock)
  const context: DemoContext = {}
  const media = ['--address', '127.0.0.1', '--directory', 'redis', '--video-sink', options.videoSink, '--audio-sink', options.audioSink, '--log-level', options.logLevel]
  try {
    await options.runSteps<DemoContext>(
      [
        {
          title: 'Redis for the bus and the directory',
          task: async (ctx, task) => {
            try {
              const redis = await openRedis(options.redis, options.logger, 1000)
              redis.disconnect()
              ctx.redis = options.redis
              task.title = `Redis: using ${redactRedisUrl(options.redis)}`
            } catch {
              const started = await startPrivateRedis()
              ctx.redis = started.url
              ctx.stopRedis = started.stop
              task.title = `Redis: none running, started a private one (${started.url})`
            }
          },
        },
        {
          title: 'bob goes online and listens for calls (auto-accept)',
          task: async (ctx) => {
            ctx.bob = supervisor.start('bob', ['listen', '--user', 'bob', '--port', '0', '--auto-accept', '--json', ...media], {env: {IVC_REDIS: ctx.redis!}})
            ctx.bobEnded = ctx.bob.waitForEvent((event) => event.event === 'call.ended', (options.durationS + 60) * 1000)
            // Awaited in the last step; if an earlier step fails, its rejection must not go unhandled.
            ctx.bobEnded.catch(() => undefined)
            await ctx.bob.waitForEvent((event) => event.event === 'listening', DEMO_STEP_MS)
          },
        },
        {
          title: 'alice calls bob: lookup, connect, ring, accept',
          task: async (ctx) => {
            ctx.aliceBus = await Bus.connect({redis: ctx.redis!, user: 'alice', component: 'demo', logger: options.logger})
            // No --duration: the talking step hangs up once its script has run (a timer here would race it).
            ctx.aliceCall = supervisor.start('alice', ['call', 'bob', '--user', 'alice', '--json', ...media], {env: {IVC_REDIS: ctx.redis!}, endsByItself: true})
            await ctx.bob!.waitForEvent((event) => event.event === 'call.started', DEMO_STEP_MS)
          },
        },
        {
          title: 'media flowing both ways (20 video + 10 audio TCP connections each way)',
          task: async (ctx) => {
            await ctx.bob!.waitForEvent((event) => event.event === 'call.media-up', DEMO_STEP_MS)
            // media-up only says the components run: wait until video and audio frames reached both alice and bob,
            // so the script's toggles act on media the peer actually sees, however slowly the components started.
            ctx.bobBus = await Bus.connect({redis: ctx.redis!, user: 'bob', component: 'demo', logger: options.logger})
            await Promise.all([framesReached(ctx.aliceBus!, clock), framesReached(ctx.bobBus, clock)])
          },
        },
        {
          title: `talking for ${options.durationS} s: video off/on, audio off/on, a text message`,
          task: async (ctx, task) => {
            const stats = clock.setInterval(() => {
              void requestCall(ctx.aliceBus!, 'stats', {}, 2000)
                .then((status) => (task.output = statsLine(status)))
                .catch(() => {})
            }, 1000)
            // One scripted action after another, each once the previous one was acknowledged, and the hang-up only
            // after all of them: on a slow host the script takes longer, it never races the end of the call.
            const chat = 'hello bob, can you see me?'
            const heard = ctx
              .bob!.waitForEvent((event) => event.event === 'call.chat', (options.durationS + 30) * 1000)
              .then((event) => (ctx.bobHeard = String(event.text)))
              .catch(() => {})
            const stop = new AbortController()
            let over = false
            void ctx.aliceCall!.exited.then(() => (over = true))
            // Once stopped, the script ends (a hold throws) rather than acting on a call that is over.
            const hold = async (ms: number) => {
              await sleep(clock, ms, stop.signal)
              stop.signal.throwIfAborted()
            }
            const act = async (action: 'video-off' | 'video-on' | 'mute' | 'unmute' | 'chat' | 'hangup', extra: Record<string, unknown> = {}) => {
              if (over) return
              try {
                await requestCall(ctx.aliceBus!, action, extra)
                task.output = action === 'chat' ? `alice says: ${chat}` : `alice: ${action}`
              } catch (error) {
                options.logger.warn(`demo: ${action} failed: ${(error as Error).message}`)
              }
            }

            const durationMs = options.durationS * 1000
            const script = async () => {
              const start = clock.now()
              // Video stays off (and audio muted) at least a second: long enough for bob to see a freeze.
              await hold(0.2 * durationMs)
              await act('video-off')
              await hold(Math.max(0.1 * durationMs, 1000))
              await act('video-on')
              await hold(0.2 * durationMs)
              await act('mute')
              await hold(Math.max(0.15 * durationMs, 1000))
              await act('unmute')
              await hold(0.15 * durationMs)
              await act('chat', {text: chat})
              await heard
              await hold(Math.max(0, start + durationMs - clock.now()))
              await act('hangup')
            }

            void script().catch(() => {})
            try {
              const [alice, bob] = await Promise.all([ctx.aliceCall!.exited.then(() => ctx.aliceCall!.lastEvent()), ctx.bobEnded!])
              ctx.result = {alice: alice as unknown as CallSummary, bob: bob.summary as CallSummary, redis: ctx.redis!, bobHeard: ctx.bobHeard}
            } finally {
              clock.clearTimeout(stats)
              stop.abort()
            }
          },
        },
      ],
      context,
    )
    return context.result!
  } finally {
    await context.aliceBus?.close()
    await context.bobBus?.close()
    await supervisor.stopAll()
    await context.stopRedis?.()
  }
}

/** Resolves once the user's video and audio receivers report frames (their stats events on the user's bus). */
async function framesReached(bus: Bus, clock: Clock, timeoutMs = 30_000): Promise<void> {
  const got = new Set<string>()
  const unsubscribe: Array<() => Promise<void>> = []
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = clock.setTimeout(() => reject(new Error(`no ${['video', 'audio'].filter((kind) => !got.has(kind)).join(' or ')} frames reached ${bus.user} within ${timeoutMs / 1000} s`)), timeoutMs)
      const onStats = (kind: string) => (envelope: TopicEnvelope<'video-stats'> | TopicEnvelope<'audio-stats'>) => {
        const {body} = envelope
        if (body.role === 'receiver' && (body.frames ?? 0) > 0) got.add(kind)
        if (got.size === 2) {
          clock.clearTimeout(timer)
          resolve()
        }
      }

      for (const kind of ['video', 'audio'] as const) bus.subscribe(`${kind}-stats`, onStats(kind)).then((off) => unsubscribe.push(off), reject)
    })
  } finally {
    await Promise.all(unsubscribe.map((off) => off().catch(() => {})))
  }
}

function statsLine(status: CallStateReply): string {
  const video = status.video?.receiver
  const audio = status.audio?.receiver
  const sending = status.sending?.local
  return (
    `alice receives video ${video?.fps ?? '-'} fps (p95 ${video?.latencyMs?.p95 ?? '-'} ms), audio ${audio?.frames ?? '-'} frames ` +
    `(p95 ${audio?.latencyMs?.p95 ?? '-'} ms); alice sends video ${sending?.video ? 'on' : 'OFF'}, audio ${sending?.audio ? 'on' : 'OFF'}`
  )
}
