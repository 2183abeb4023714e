import type {RedisOptions} from 'ioredis'

import {IvcError} from '../foundation/errors.js'

/** --redis accepts redis://host:port[/db], unix:///path/to/sock, or a bare socket path. */
export function parseRedisUrl(value: string): RedisOptions {
  if (value.startsWith('unix://')) {
    const path = value.slice('unix://'.length)
    if (!path.startsWith('/')) throw badRedis(value)
    return {path}
  }

  if (value.startsWith('/')) return {path: value}
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw badRedis(value)
  }

  if (url.protocol !== 'redis:' || !url.hostname) throw badRedis(value)
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0
  if (!Number.isInteger(db) || db < 0) throw badRedis(value)
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 6379,
    db,
    ...(url.password ? {password: decodeURIComponent(url.password)} : {}),
    ...(url.username ? {username: decodeURIComponent(url.username)} : {}),
  }
}

export function describeRedis(options: RedisOptions): string {
  return options.path ? `unix:${options.path}` : `${options.host}:${options.port}`
}

function badRedis(value: string): IvcError {
  return new IvcError('BAD_USAGE', `--redis "${value}" is not a Redis address`, {
    suggestion: 'Use redis://host:port, unix:///path/to/redis.sock, or /path/to/redis.sock.',
  })
}

/** The address as given, with its password (if any) replaced by ***: for what ivc prints or publishes. */
export function redactRedisUrl(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return value
  }

  if (!url.password) return value
  url.password = '***'
  return url.toString()
}
