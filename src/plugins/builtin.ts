import {mongoDirectoryBackend, redisDirectoryBackend} from './directory-backends.js'
import {audioBackends} from './audio/index.js'
import type {AnyBackend} from './types.js'
import {videoBackends} from './video/index.js'

/** The backends ivc ships; installed oclif plugins add theirs through the `ivc:backends` hook (plugins/index.ts). */
export function builtinBackends(): AnyBackend[] {
  return [...videoBackends(), ...audioBackends(), redisDirectoryBackend, mongoDirectoryBackend]
}
