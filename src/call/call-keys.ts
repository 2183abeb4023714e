import {deriveCallSecret, newKeyShare} from '../security/key-share.js'
import type {IncomingCall} from './types.js'

/**
 * The callee's half of the key agreement, made when it accepts: a fresh key pair and the call secret it shares with
 * the caller, whose key share came in the invite. The driver starts the call's receivers and control listener with
 * the secret and sends the public half in the accept. Throws a RangeError for an unusable caller key share.
 */
export function answerKeys(call: Pick<IncomingCall, 'callId' | 'peer' | 'keyShare'>, callee: string): {secret: string; keyShare: string} {
  const own = newKeyShare()
  const secret = deriveCallSecret(own, {callId: call.callId, caller: call.peer, callee, callerShare: call.keyShare, calleeShare: own.publicKey}, 'callee')
  return {secret, keyShare: own.publicKey}
}
