import {createLogger, type Logger} from '../foundation/logger.js'
import type {Backend, ProbeResult} from './types.js'
import {openDirectory, type OpenDirectoryOptions} from '../directory/open.js'
import type {Directory} from '../directory/types.js'

/**
 * The two directory backends as registry entries (src/plugins/builtin.ts). create() takes the openDirectory()
 * options ({url, redis, logger, heartbeatMs, expiryMs, ...}) and returns a Directory; commands normally call
 * openDirectoryFromFlags() instead, which picks the backend from --directory.
 */
type CreateOptions = Partial<OpenDirectoryOptions> & {url?: string}

const ready = async (detail: string): Promise<ProbeResult> => ({ok: true, detail})

function create(fallback: string) {
  return async (options: Record<string, unknown>): Promise<Directory> => {
    const {url, redis, logger, ...rest} = options as CreateOptions
    return openDirectory({
      ...rest,
      directory: url ?? fallback,
      redis: redis ?? 'redis://127.0.0.1:6379',
      logger: (logger as Logger | undefined) ?? createLogger('warn', 'ivc:directory'),
    })
  }
}

export const redisDirectoryBackend: Backend<'directory'> = {
  name: 'redis',
  kind: 'directory',
  description: 'the local Redis as the user directory (single host; the default)',
  probe: () => ready('uses the Redis of --redis (see the Redis line above)'),
  create: create('redis'),
}

export const mongoDirectoryBackend: Backend<'directory'> = {
  name: 'mongodb',
  kind: 'directory',
  description: 'a shared MongoDB through the official driver (multi-host, as in the seed)',
  probe: () => ready('official mongodb driver; select with --directory mongodb://host:27017/ivc'),
  create: create('mongodb://127.0.0.1:27017/ivc'),
}
