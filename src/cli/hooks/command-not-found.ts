import type {Hook} from '@oclif/core'

import {IvcError, renderError} from '../../foundation/errors.js'
import {nearestName} from '../nearest-name.js'

/**
 * `ivc lisen`: ivc's one line with the nearest command ("did you mean listen?"), exit 2 (BAD_USAGE), instead of
 * oclif's "command lisen not found". Topics count as commands here (`ivc presense` → presence).
 */
const hook: Hook.CommandNotFound = async function(options) {
  const ids = [...options.config.commandIDs, ...options.config.topics.map((topic) => topic.name)].filter((id) => !id.startsWith('plugins') && !id.startsWith('autocomplete:'))
  const typed = options.id.replaceAll(':', ' ')
  const near = nearestName(options.id, [...new Set(ids)])?.replaceAll(':', ' ')
  const error = new IvcError('BAD_USAGE', `"${typed}" is not an ivc command${near ? `: did you mean ${near}?` : ''}`, {suggestion: '`ivc --help` lists the commands.'})
  process.stderr.write(renderError(error))
  // Reported: oclif must only exit with the code, not print its own message too.
  throw Object.assign(new Error(error.message), {oclif: {exit: error.exit}, skipOclifErrorHandling: true})
}

export default hook
