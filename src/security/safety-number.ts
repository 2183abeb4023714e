import {createHash} from 'node:crypto'

/**
 * The safety number of a pair of identity keys (docs/protocol.md, "Safety number"): the same 30 digits on both
 * sides, whoever called whom, so two people can read them to each other and know no one sits between them.
 * SHA-256 over a label and both raw keys in sorted order; six groups of five digits, each 5 bytes of the hash mod 10^5.
 */
export function safetyNumber(ownKey: string, peerKey: string): string {
  const keys = [Buffer.from(ownKey, 'base64url'), Buffer.from(peerKey, 'base64url')].sort(Buffer.compare)
  const hash = createHash('sha256').update('ivc safety number v1\0').update(keys[0]).update(keys[1]).digest()
  const groups: string[] = []
  for (let index = 0; index < 6; index++) groups.push(String(hash.readUIntBE(index * 5, 5) % 100_000).padStart(5, '0'))
  return groups.join(' ')
}
