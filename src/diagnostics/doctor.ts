import type {Config} from '@oclif/core'

import {openRedis} from '../bus/redis-client.js'
import {redactRedisUrl} from '../bus/redis-url.js'
import type {Logger} from '../foundation/logger.js'
import {isIvcError} from '../foundation/errors.js'
import {loadBackends} from '../plugins/index.js'
import type {ProbedBackend} from '../plugins/registry.js'

export interface ServiceCheck {
  ok: boolean
  detail: string
  hint?: string
}

export interface DoctorReport {
  ok: boolean
  redis: ServiceCheck & {url: string}
  backends: ProbedBackend[]
}

/** Everything `ivc doctor` checks: Redis reachability and every backend's probe. */
export async function runDoctor(options: {redis: string; config: Config; logger: Logger}): Promise<DoctorReport> {
  const [redis, registry] = await Promise.all([checkRedis(options.redis, options.logger), loadBackends(options.config)])
  const backends = await registry.probeAll()
  return {ok: redis.ok, redis: {url: redactRedisUrl(options.redis), ...redis}, backends}
}

async function checkRedis(url: string, logger: Logger): Promise<ServiceCheck> {
  try {
    const redis = await openRedis(url, logger)
    try {
      const info = await redis.info('server')
      const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown'
      return {ok: true, detail: `Redis ${version}`}
    } finally {
      redis.disconnect()
    }
  } catch (error) {
    return {ok: false, detail: (error as Error).message, hint: isIvcError(error) ? error.suggestion : undefined}
  }
}

export function renderDoctor(report: DoctorReport): string {
  const mark = (ok: boolean) => (ok ? 'ok  ' : 'MISS')
  const lines = [`${mark(report.redis.ok)} redis ${report.redis.url}: ${report.redis.detail}`]
  if (report.redis.hint) lines.push(`       try: ${report.redis.hint}`)
  for (const backend of report.backends) {
    lines.push(`${mark(backend.ok)} ${backend.kind.padEnd(12)} ${backend.name.padEnd(10)} ${backend.detail}`)
    if (!backend.ok && backend.hint) lines.push(`       try: ${backend.hint}`)
  }

  return lines.join('\n') + '\n'
}
