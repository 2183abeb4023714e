import * as Flags from '@oclif/core/flags'

import {parseStreamSecret} from './stream-secret.js'

/**
 * The variables that carry secrets into a process: a stream's key, a call component's key, and the bus and directory
 * addresses, which may hold the user's passwords (a call passes each component the bus's, docs/bus.md).
 */
export const SECRET_ENV_VARS = ['IVC_MEDIA_SECRET', 'IVC_CALL_SECRET', 'IVC_REDIS', 'IVC_DIRECTORY'] as const

/**
 * Forget the keys given in the environment once the flags have read them, so every process this one starts (ffplay,
 * pipe sinks, the PortAudio helper) inherits an environment without them.
 */
export function scrubSecretsFromEnv(): void {
  for (const name of SECRET_ENV_VARS) delete process.env[name]
}

/**
 * `--secret` of the stream commands: with it, every connection of the stream is TLS 1.3 keyed by it (both ends must
 * be given the same one). Only a random key made by `ivc secret new` is taken, never a passphrase
 * (src/security/stream-secret.ts says why); the parsed value is the key as 64 hex digits, the form a call gives its
 * components.
 */
export const streamSecretFlag = Flags.custom<string>({
  env: 'IVC_MEDIA_SECRET',
  description: 'Encrypt the stream: TLS 1.3 keyed by this key, made by `ivc secret new` (ivc1-…), which the other end must have too. Pass it as IVC_MEDIA_SECRET: a command line is visible to every local user.',
  async parse(value) {
    return parseStreamSecret(value)
  },
})
