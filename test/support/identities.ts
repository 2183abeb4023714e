import {createHash} from 'node:crypto'

import {type Identity, identityFromSeed} from '../../src/security/identity.js'

/** A fixed identity per label (its seed is the SHA-256 of the label), so tests can name keys: `testIdentity('alice')`. */
export function testIdentity(label: string): Identity {
  return identityFromSeed(createHash('sha256').update(`ivc test identity ${label}`).digest())
}
