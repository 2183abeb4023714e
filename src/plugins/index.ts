import type {Config} from '@oclif/core'

import {builtinBackends} from './builtin.js'
import {BackendRegistry} from './registry.js'
import type {AnyBackend} from './types.js'

/**
 * The registry with ivc's built-in backends plus those of installed oclif plugins. A plugin adds backends by
 * declaring an `ivc:backends` hook that returns an array of Backend objects (see docs/plugins.md).
 */
export async function loadBackends(config?: Config): Promise<BackendRegistry> {
  const registry = new BackendRegistry()
  for (const backend of builtinBackends()) registry.register(backend)
  if (config) {
    const result = await config.runHook('ivc:backends' as never, {} as never)
    for (const success of result.successes) {
      for (const backend of (success.result ?? []) as AnyBackend[]) registry.register(backend)
    }

    for (const failure of result.failures) {
      process.stderr.write(`[ivc] warn: plugin ${failure.plugin.name} failed to add backends: ${failure.error.message}\n`)
    }
  }

  return registry
}
