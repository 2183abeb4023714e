import {IvcError} from '../foundation/errors.js'

/**
 * A failed TCP connect as PEER_UNREACHABLE with what went wrong in words and a hint that fits: a name that does not
 * resolve is a typo, not a peer that is not listening (where `ivc listen` would be the wrong hint for a stream).
 */
export function connectFailure(host: string, port: number, error: NodeJS.ErrnoException): IvcError {
  const options = {cause: error}
  switch (error.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME': {
      return new IvcError('PEER_UNREACHABLE', `cannot connect to ${host}:${port}: the host name "${host}" does not resolve (${error.code})`, {...options, suggestion: 'Check the spelling of the host, or give its IP address.'})
    }

    case 'ECONNREFUSED': {
      return new IvcError('PEER_UNREACHABLE', `cannot connect to ${host}:${port}: nothing listens there (ECONNREFUSED)`, {...options, suggestion: 'Check the port, and that the other side is running and listening there.'})
    }

    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT': {
      return new IvcError('PEER_UNREACHABLE', `cannot connect to ${host}:${port}: no route to the host (${error.code})`, {...options, suggestion: 'Check the address, and that this machine can reach that network.'})
    }

    default: {
      return new IvcError('PEER_UNREACHABLE', `cannot connect to ${host}:${port}: ${error.code ?? error.message}`, options)
    }
  }
}
