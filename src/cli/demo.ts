import {Bus} from '../bus/bus.js'
import {startPrivateRedis} from '../bus/private-redis.js'
import {openRedis} from '../bus/redis-client.js'
import {requestCall} from '../call/control-client.js'
import type {CallSummary} from '../call/driver.js'
import {type Component, Supervisor} from '../call/supervisor.js'
import type {Logger} from './logger.js'
import {runSteps} from './progress.js'

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
}

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
  result?: DemoResult
  bobHeard?: string
}

/**
 * `ivc demo`: a real call between alice and bob on this host — every component a real process, real Redis (a
 * private one when none is running), real TCP — with video and audio toggled mid-call and both summaries at the end.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const supervisor = new Supervisor(options.logger, (exit) => options.logger.warn(`demo: ${exit.name} stopped unexpectedly`))
  const context: DemoContext = {}
  const media = ['--address', '127.0.0.1', '--directory', 'redis', '--video-sink', options.videoSink, '--audio-sink', options.audioSink, '--log-level', options.logLevel]
  try {
    await runSteps<DemoContext>(
      [
        {
          title: 'Redis for the bus and the directory',
          task: async (ctx, task) => {
            try {
              const redis = await openRedis(options.redis, options.logger, 1000)
              redis.disconnect()
              ctx.redis = options.redis
              task.title = `Redis: using ${options.redis}`
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
            ctx.bob = supervisor.start('bob', ['listen', '--user', 'bob', '--port', '0', '--auto-accept', '--json', '--redis', ctx.redis!, ...media])
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
            ctx.aliceCall = supervisor.start('alice', ['call', 'bob', '--user', 'alice', '--duration', String(options.durationS), '--json', '--redis', ctx.redis!, ...media], {endsByItself: true})
            await ctx.bob!.waitForEvent((event) => event.event === 'call.started', DEMO_STEP_MS)
          },
        },
        {
          title: 'media flowing both ways (20 video + 10 audio TCP connections each way)',
          task: async (ctx) => {
            await ctx.bob!.waitForEvent((event) => event.event === 'call.media-up', DEMO_STEP_MS)
          },
        },
        {
          title: `talking for ${options.durationS} s: video off/on, audio off/on, a text message`,
          task: async (ctx, task) => {
            const stats = setInterval(() => {
              void requestCall(ctx.aliceBus!, 'stats', {}, 2000)
                .then((status) => (task.output = statsLine(status)))
                .catch(() => {})
            }, 1000)
            const toggles: Array<[number, 'video-off' | 'video-on' | 'mute' | 'unmute']> = [
              [0.2, 'video-off'],
              [0.3, 'video-on'],
              [0.5, 'mute'],
              [0.65, 'unmute'],
            ]
            const timers = toggles.map(([at, action]) =>
              setTimeout(() => {
                void requestCall(ctx.aliceBus!, action, {}, 3000)
                  .then(() => (task.output = `alice: ${action}`))
                  .catch((error: Error) => options.logger.warn(`demo: ${action} failed: ${error.message}`))
              }, at * options.durationS * 1000),
            )
            const chat = 'hello bob, can you see me?'
            void ctx
              .bob!.waitForEvent((event) => event.event === 'call.chat', (options.durationS + 5) * 1000)
              .then((event) => (ctx.bobHeard = String(event.text)))
              .catch(() => {})
            timers.push(
              setTimeout(() => {
                void requestCall(ctx.aliceBus!, 'chat', {text: chat}, 3000)
                  .then(() => (task.output = `alice says: ${chat}`))
                  .catch((error: Error) => options.logger.warn(`demo: chat failed: ${error.message}`))
              }, 0.8 * options.durationS * 1000),
            )
            try {
              const [alice, bob] = await Promise.all([ctx.aliceCall!.exited.then(() => ctx.aliceCall!.lastEvent()), ctx.bobEnded!])
              ctx.result = {alice: alice as unknown as CallSummary, bob: bob.summary as CallSummary, redis: ctx.redis!, bobHeard: ctx.bobHeard}
            } finally {
              clearInterval(stats)
              for (const timer of timers) clearTimeout(timer)
            }
          },
        },
      ],
      context,
    )
    return context.result!
  } finally {
    await context.aliceBus?.close()
    await supervisor.stopAll()
    await context.stopRedis?.()
  }
}

function statsLine(status: Record<string, unknown>): string {
  const video = (status.video as {receiver?: {fps?: number; latencyMs?: {p95?: number}}})?.receiver
  const audio = (status.audio as {receiver?: {frames?: number; latencyMs?: {p95?: number}}})?.receiver
  const sending = (status.sending as {local?: {audio: boolean; video: boolean}})?.local
  return (
    `alice receives video ${video?.fps ?? '-'} fps (p95 ${video?.latencyMs?.p95 ?? '-'} ms), audio ${audio?.frames ?? '-'} frames ` +
    `(p95 ${audio?.latencyMs?.p95 ?? '-'} ms); alice sends video ${sending?.video ? 'on' : 'OFF'}, audio ${sending?.audio ? 'on' : 'OFF'}`
  )
}
