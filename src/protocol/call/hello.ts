import type {DecodedPrefix} from '../../foundation/decoded.js'

/**
 * The signalling hello (docs/protocol.md, "Signalling hello"): the only cleartext on a call's signalling connection.
 * Each side sends one, the caller first; each carries a fresh X25519 public key and nothing that names anyone. From
 * the two keys both sides derive the key of the TLS that carries everything else (security/signalling-key.ts).
 * Fixed size, so nothing is ever allocated from a length the peer chose. 40 bytes, big-endian:
 *   0 magic "IVCH"   4 version u8 (the signalling version it opens)   5 role u8 (1 caller, 2 callee)
 *   6 reserved u16 (0)   8 X25519 public key [32]
 */
export const HELLO_MAGIC = Buffer.from('IVCH', 'latin1')
/** The signalling version this hello opens (signalling.ts SIGNAL_VERSION, which imports nothing from here). */
export const HELLO_VERSION = 6
export const HELLO_BYTES = 40
export const HELLO_KEY_BYTES = 32

export const HELLO_ROLES = {caller: 1, callee: 2} as const
export type HelloRole = keyof typeof HELLO_ROLES

export interface SignalHello {
  role: HelloRole
  /** The sender's ephemeral X25519 public key, 32 raw bytes. */
  key: Buffer
}

export function encodeSignalHello(hello: SignalHello): Buffer {
  if (hello.key.length !== HELLO_KEY_BYTES) throw new RangeError(`a hello key is ${HELLO_KEY_BYTES} bytes, not ${hello.key.length}`)
  const out = Buffer.alloc(HELLO_BYTES)
  HELLO_MAGIC.copy(out, 0)
  out.writeUInt8(HELLO_VERSION, 4)
  out.writeUInt8(HELLO_ROLES[hello.role], 5)
  hello.key.copy(out, 8)
  return out
}

/**
 * Decode a hello from the start of `input`: undefined until all 40 bytes are there; a wrong magic, version, role or
 * reserved byte is refused as soon as it arrives. A peer speaking signalling 4 or older sends "IVCS" in the clear,
 * refused at its fourth byte; one speaking 5 is refused at the version byte.
 */
export function decodeSignalHello(input: Buffer): DecodedPrefix<SignalHello> {
  const n = Math.min(input.length, HELLO_MAGIC.length)
  if (!input.subarray(0, n).equals(HELLO_MAGIC.subarray(0, n))) {
    return {ok: false, reason: `bad magic ${JSON.stringify(input.subarray(0, n).toString('latin1'))} (expected "IVCH")`}
  }

  if (input.length > 4 && input[4] !== HELLO_VERSION) return {ok: false, reason: `unsupported signalling version ${input[4]} (this side speaks ${HELLO_VERSION})`}
  const role = input.length > 5 ? roleOf(input[5]) : 'caller'
  if (role === undefined) return {ok: false, reason: `unknown hello role ${input[5]}`}
  if ((input.length > 6 && input[6] !== 0) || (input.length > 7 && input[7] !== 0)) return {ok: false, reason: 'reserved hello bits set'}
  if (input.length < HELLO_BYTES) return undefined
  return {ok: true, value: {role, key: Buffer.from(input.subarray(8, HELLO_BYTES))}, rest: input.subarray(HELLO_BYTES)}
}

function roleOf(code: number): HelloRole | undefined {
  return (Object.keys(HELLO_ROLES) as HelloRole[]).find((role) => HELLO_ROLES[role] === code)
}
