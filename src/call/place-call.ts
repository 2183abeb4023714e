import {IvcError} from '../foundation/errors.js'
import {validateUsername} from '../foundation/username.js'
import type {Directory} from '../directory/types.js'

/** Where to reach `name`: their directory entry must exist, be online and announce a call port. */
export async function findCallee(directory: Directory, name: string): Promise<{host: string; port: number}> {
  validateUsername(name)
  const entry = await directory.lookup(name)
  if (!entry) throw new IvcError('UNKNOWN_USER', `no user named "${name}" in the ${directory.description}`)
  if (entry.status === 'offline') throw new IvcError('USER_OFFLINE', `${name} is offline`)
  const port = entry.ports.call
  if (!port) throw new IvcError('USER_OFFLINE', `${name} is online but not taking calls (no \`ivc listen\` running)`)
  return {host: entry.address, port}
}
