import {isIvcError} from '../foundation/errors.js'
import type {SignalOf} from '../protocol/call/signalling.js'
import {type AcceptFields, acceptTranscript, type InviteFields, inviteTranscript} from '../protocol/call/transcript.js'
import {fingerprint, type Identity, verifySignature} from '../security/identity.js'
import type {PeerTrust} from '../security/known-peers.js'

/**
 * Who is on the other end of a call (docs/protocol.md, "Authenticated calls"): the caller signs its invite and the
 * callee its accept with their identity keys, over the transcript of the set-up; each side checks the other's
 * signature, and the key against the one pinned for that name. Pure but for the trust store the driver hands in.
 */
/** `channel`: of the connection the invite was verified on (its signature covers it; so will our accept's). */
export type IdentityVerdict = {ok: true; channel: string} | {ok: false; code: 'auth-failed' | 'identity-changed'; reason: string}

export function signInvite(identity: Identity, invite: Omit<InviteFields, 'identityKey'>): {identityKey: string; signature: string} {
  const fields = {...invite, identityKey: identity.publicKey}
  return {identityKey: identity.publicKey, signature: identity.sign(inviteTranscript(fields))}
}

export function signAccept(identity: Identity, invite: InviteFields, accept: Omit<AcceptFields, 'identityKey'>): {identityKey: string; signature: string} {
  const fields = {...accept, identityKey: identity.publicKey}
  return {identityKey: identity.publicKey, signature: identity.sign(acceptTranscript(invite, fields))}
}

/**
 * The callee's judgement of an invite that came on the connection of `channel`: signed by the key it names over this
 * connection, and that key is the one pinned for the caller.
 */
export function judgeInvite(invite: SignalOf<'invite'>, channel: string, trust: PeerTrust): IdentityVerdict {
  if (!verifySignature(invite.identityKey, inviteTranscript({...invite, channel}), invite.signature)) {
    return {ok: false, code: 'auth-failed', reason: `the invite from ${invite.from} is not signed by the key it names (${fingerprint(invite.identityKey)}) over this connection: changed on the way, or made for another connection`}
  }

  try {
    trust.check(invite.from, invite.identityKey)
  } catch (error) {
    if (!isIvcError(error)) throw error
    return {ok: false, code: error.code === 'IDENTITY_CHANGED' ? 'identity-changed' : 'auth-failed', reason: error.message}
  }

  return {ok: true, channel}
}

/** The caller's check of an accept: from the key the callee's directory entry (and pin) named, over this invite. Undefined when good. */
export function acceptProblem(expectedKey: string, invite: InviteFields, accept: SignalOf<'accept'>): string | undefined {
  if (accept.identityKey !== expectedKey) return `the accept is signed by ${fingerprint(accept.identityKey)}, not by the key expected (${fingerprint(expectedKey)})`
  if (!verifySignature(expectedKey, acceptTranscript(invite, accept), accept.signature)) return 'the accept\'s signature does not verify: the set-up was changed on the way'
  return undefined
}
