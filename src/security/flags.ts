import * as Flags from '@oclif/core/flags'

import {IvcError} from '../foundation/errors.js'

/**
 * `--secret` of the stream commands: with it, every connection of the stream is TLS 1.3 keyed by it (both ends must
 * be given the same one). The key is only as strong as the secret, hence the minimum length; calls pass their own
 * 64-hex-digit secret in the environment.
 */
export const MIN_SECRET_LENGTH = 16
/** The variables that carry keys into a process (a stream's secret; a call component's key). */
export const SECRET_ENV_VARS = ['IVC_MEDIA_SECRET', 'IVC_CALL_SECRET'] as const

/**
 * Forget the keys given in the environment once the flags have read them, so every process this one starts (ffplay,
 * pipe sinks, the PortAudio helper) inherits an environment without them.
 */
export function scrubSecretsFromEnv(): void {
  for (const name of SECRET_ENV_VARS) delete process.env[name]
}

export const MAX_SECRET_LENGTH = 256

export const streamSecretFlag = Flags.custom<string>({
  env: 'IVC_MEDIA_SECRET',
  description: `Encrypt the stream: TLS 1.3 keyed by this shared secret (${MIN_SECRET_LENGTH}-${MAX_SECRET_LENGTH} characters), which the other end must have too. Pass it as IVC_MEDIA_SECRET: a command line is visible to every local user.`,
  async parse(value) {
    if (value.length < MIN_SECRET_LENGTH || value.length > MAX_SECRET_LENGTH) {
      throw new IvcError('BAD_USAGE', `the stream secret must be ${MIN_SECRET_LENGTH}-${MAX_SECRET_LENGTH} characters, not ${value.length}`, {
        suggestion: 'Make one with `openssl rand -hex 32` and give the same to both ends (IVC_MEDIA_SECRET).',
      })
    }

    return value
  },
})
