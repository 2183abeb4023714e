import {createHash} from 'node:crypto'

import {type MediaAnswer, mediaAnswer, type MediaOffer, mediaOffer} from './fields.js'

/**
 * What the identity keys sign in call set-up (docs/protocol.md, "Authenticated calls"): the caller signs its invite,
 * the callee signs its accept together with the hash of the invite it answers, so each signature covers the whole
 * set-up so far: call id, both names, the caller's address, both key shares, both identity keys, both offers and the
 * callee's control port. A relay that changes any of it, or answers with shares of its own, breaks a signature.
 * Each text starts with its own label and the signalling version, so a signature is never valid for another use.
 * Since version 5 each also covers the **channel** of the signalling connection it travels on (the hash of both
 * cleartext hellos, src/security/signalling-key.ts), so a signature made for one connection fails on another: a
 * relay that ran the hello with each side itself cannot pass on what either signed.
 */
/** The callee's proof, its first message: a label and the channel, signed before the caller says anything. */
export function proofTranscript(channel: string): Buffer {
  return Buffer.from(`ivc signalling 6 proof\0${channel}`, 'utf8')
}

export interface InviteFields {
  /** The channel of the connection the invite travels on (not sent: each side computes it from the hellos). */
  channel: string
  callId: string
  from: string
  to: string
  address: string
  keyShare: string
  identityKey: string
  media: MediaOffer
}

export interface AcceptFields {
  callId: string
  keyShare: string
  identityKey: string
  controlPort: number
  media: MediaAnswer
}

/** The bytes the caller signs: a label, the channel, then a JSON array of the invite's fields, the offer in its canonical key order. */
export function inviteTranscript(invite: InviteFields): Buffer {
  const fields = [invite.callId, invite.from, invite.to, invite.address, invite.keyShare, invite.identityKey, mediaOffer.parse(invite.media)]
  return Buffer.from(`ivc signalling 6 invite\0${invite.channel}\0${JSON.stringify(fields)}`, 'utf8')
}

/** The bytes the callee signs: a label, the SHA-256 of the invite's transcript, then the accept's fields. */
export function acceptTranscript(invite: InviteFields, accept: AcceptFields): Buffer {
  const inviteHash = createHash('sha256').update(inviteTranscript(invite)).digest('hex')
  const fields = [accept.callId, accept.keyShare, accept.identityKey, accept.controlPort, mediaAnswer.parse(accept.media)]
  return Buffer.from(`ivc signalling 6 accept\0${inviteHash}\0${JSON.stringify(fields)}`, 'utf8')
}
