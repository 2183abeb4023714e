import {IvcError} from './errors.js'

/** Commands whose issue has not landed yet fail plainly rather than pretend to work. */
export function notImplemented(command: string, issue: string): never {
  throw new IvcError('NOT_IMPLEMENTED', `\`ivc ${command}\` is not implemented yet (${issue})`)
}
