import * as Flags from '@oclif/core/flags'

import type {Logger} from '../foundation/logger.js'
import {DEFAULT_EXPIRY_MS, DEFAULT_HEARTBEAT_MS} from './expiry.js'
import {openDirectory} from './open.js'
import type {Directory} from './types.js'

/**
 * The directory flags, shared by `presence`, `presence list/show/watch`, `listen` and `call`: spread
 * `...directoryFlags` into a command's flags and pass its parsed flags to openDirectoryFromFlags().
 */
export const directoryFlags = {
  directory: Flags.string({
    env: 'IVC_DIRECTORY',
    helpGroup: 'DIRECTORY',
    default: 'redis',
    description: 'The user directory: "redis" (the local Redis of --redis, single host) or mongodb://host:port/db (shared, multi-host).',
  }),
  'heartbeat-ms': Flags.integer({
    env: 'IVC_HEARTBEAT_MS',
    helpGroup: 'DIRECTORY',
    default: DEFAULT_HEARTBEAT_MS,
    min: 10,
    description: 'How often presence refreshes its entry (ms); also how often watch re-reads the directory.',
  }),
  'expiry-ms': Flags.integer({
    env: 'IVC_EXPIRY_MS',
    helpGroup: 'DIRECTORY',
    default: DEFAULT_EXPIRY_MS,
    min: 20,
    description: 'A user counts as online while their last heartbeat is younger than this (ms); must exceed --heartbeat-ms.',
  }),
}

export interface DirectoryFlagValues {
  directory: string
  redis: string
  'heartbeat-ms': number
  'expiry-ms': number
}

export function openDirectoryFromFlags(flags: DirectoryFlagValues, logger: Logger): Promise<Directory> {
  return openDirectory({
    directory: flags.directory,
    redis: flags.redis,
    heartbeatMs: flags['heartbeat-ms'],
    expiryMs: flags['expiry-ms'],
    logger: logger.child('directory'),
  })
}
