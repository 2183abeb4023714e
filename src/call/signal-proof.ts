import {type Clock, realClock} from '../foundation/clock.js'
import {IvcError} from '../foundation/errors.js'
import type {SignalMessage} from '../protocol/call/signalling.js'
import {proofTranscript} from '../protocol/call/transcript.js'
import {fingerprint, type Identity, verifySignature} from '../security/identity.js'
import type {FramedConnection} from '../transport/framed-connection.js'

/**
 * Who answers a call's signalling connection (docs/protocol.md, "Signalling hello"): the callee's first message,
 * inside the connection's TLS, is its identity key and a signature over the connection's channel (the hash of both
 * hellos). The caller checks it against the key it expects (the callee's verified directory entry, checked against
 * the pin) before it says anything, so a relay that ran the hello with each side learns neither the caller's name
 * nor anything of the invite: it can only drop the call. As SIGMA and TLS 1.3 do, the responder proves itself first
 * and the initiator, whose identity is the more private, only to a proven responder.
 */
export function proofOf(identity: Identity, channel: string): SignalMessage {
  return {type: 'proof', identityKey: identity.publicKey, signature: identity.sign(proofTranscript(channel))}
}

/** Why a proof is not the expected callee's, or undefined when it is. */
export function proofProblem(proof: SignalMessage, expectedKey: string, channel: string): string | undefined {
  if (proof.type !== 'proof') return `expected the callee's proof first, got ${proof.type}`
  if (proof.identityKey !== expectedKey) return `the callee proved ${fingerprint(proof.identityKey)}, not the key expected (${fingerprint(expectedKey)})`
  if (!verifySignature(expectedKey, proofTranscript(channel), proof.signature)) {
    return 'the callee\'s proof does not cover this connection: someone on the path ran the hello with each side'
  }

  return undefined
}

/**
 * The caller's wait for the proof, within `timeoutMs`. A wrong one is AUTH_FAILED: the far end is told
 * (`proof-refused`, which a relay may pass on to the callee) and the connection closed.
 */
export async function awaitProof(connection: FramedConnection<SignalMessage>, expectedKey: string, channel: string, timeoutMs: number, clock: Clock = realClock): Promise<void> {
  let timer: unknown
  const late = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => reject(new IvcError('PEER_UNREACHABLE', `${connection.name}: no identity proof within ${timeoutMs} ms`)), timeoutMs)
  })
  let first: SignalMessage
  try {
    first = await Promise.race([connection.next(), late])
  } catch (error) {
    connection.destroy('no identity proof')
    throw error
  } finally {
    clock.clearTimeout(timer)
  }

  const problem = proofProblem(first, expectedKey, channel)
  if (problem === undefined) return
  connection.send({type: 'proof-refused', reason: problem.slice(0, 200)})
  void connection.close(problem)
  throw new IvcError('AUTH_FAILED', `${connection.name}: ${problem}`)
}
