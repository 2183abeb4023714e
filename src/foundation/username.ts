import {IvcError} from './errors.js'

/** Usernames are keys in the directory and parts of Redis key names, so they are kept short and plain. */
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/

export function isValidUsername(name: string): boolean {
  return USERNAME.test(name)
}

export function validateUsername(name: string): string {
  if (!isValidUsername(name)) throw new IvcError('INVALID_USERNAME', `invalid username "${name.slice(0, 40)}"`)
  return name
}
