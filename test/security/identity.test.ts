import {chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {fingerprint, identityFromSeed, newIdentitySeed, verifySignature} from '../../src/security/identity.js'
import {formatIdentity, identityPath, loadOrCreateIdentity, parseIdentity, readIdentity, userDir} from '../../src/security/identity-file.js'
import {safetyNumber} from '../../src/security/safety-number.js'

const b64url = (hex: string) => Buffer.from(hex, 'hex').toString('base64url')

// RFC 8032 §7.1, test 1: the key pair and its signature of the empty message.
const RFC_SEED = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex')
const RFC_PUBLIC = b64url('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')
const RFC_SIGNATURE = b64url('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b')

describe('identity keys', () => {
  it('are Ed25519 as RFC 8032 defines it: the test vector gives its public key and signature', () => {
    const identity = identityFromSeed(RFC_SEED)
    expect(identity.publicKey).toBe(RFC_PUBLIC)
    expect(identity.sign(Buffer.alloc(0))).toBe(RFC_SIGNATURE)
    expect(verifySignature(RFC_PUBLIC, Buffer.alloc(0), RFC_SIGNATURE)).toBe(true)
  })

  it('refuse a signature over other data, by another key, or malformed, without throwing', () => {
    const other = identityFromSeed(newIdentitySeed())
    const signature = other.sign(Buffer.from('hello'))
    expect(verifySignature(other.publicKey, Buffer.from('hello'), signature)).toBe(true)
    expect(verifySignature(other.publicKey, Buffer.from('hellO'), signature)).toBe(false)
    expect(verifySignature(RFC_PUBLIC, Buffer.from('hello'), signature)).toBe(false)
    expect(verifySignature(other.publicKey, Buffer.from('hello'), signature.slice(1))).toBe(false)
    expect(verifySignature('not a key', Buffer.from('hello'), signature)).toBe(false)
  })

  it('show as SSH shows keys: SHA256: and the unpadded base64 of the digest', () => {
    // sha256 of the RFC 8032 public key, computed independently (Python hashlib).
    expect(fingerprint(RFC_PUBLIC)).toBe('SHA256:If4x36FUomFia/hUBG/SJxt77UtqvkWqWId+9H+XIbk')
  })
})

describe('safety number', () => {
  it('is the same on both sides, six groups of five digits, and differs for another key', () => {
    const other = identityFromSeed(newIdentitySeed()).publicKey
    const number = safetyNumber(RFC_PUBLIC, other)
    expect(number).toMatch(/^\d{5}( \d{5}){5}$/)
    expect(safetyNumber(other, RFC_PUBLIC)).toBe(number)
    expect(safetyNumber(RFC_PUBLIC, identityFromSeed(newIdentitySeed()).publicKey)).not.toBe(number)
  })
})

describe('identity file', () => {
  const record = {user: 'alice', seed: RFC_SEED, identity: identityFromSeed(RFC_SEED)}
  const text = formatIdentity(record)

  it('is four lines, pinned, and parses back to the same key', () => {
    expect(text).toBe(`ivc identity v1\nuser alice\npublic ${RFC_PUBLIC}\nprivate ${RFC_SEED.toString('base64url')}\n`)
    const parsed = parseIdentity(text)
    expect(parsed.ok && parsed.value.identity.publicKey).toBe(RFC_PUBLIC)
  })

  it('refuses every way an import can be wrong, with its reason', () => {
    const other = identityFromSeed(newIdentitySeed()).publicKey
    const cases: Array<[string, string]> = [
      ['', 'the first line must be "ivc identity v1"'],
      [text.replace('v1', 'v2'), 'the first line must be "ivc identity v1"'],
      [text + 'extra\n', 'expected 4 lines, found 5'],
      [text.replace('user alice', 'user: alice'), 'line 2 must be "user VALUE"'],
      [text.replace('user alice', 'user -x'), 'the user is not a valid username'],
      [text.replace(RFC_PUBLIC, RFC_PUBLIC.slice(1)), 'the public key is not 43 base64url characters'],
      [text.replace(RFC_PUBLIC, other), 'the private key does not belong to the public key'],
      [text + 'x'.repeat(2000), 'longer than 1024 bytes'],
    ]
    for (const [input, reason] of cases) expect(parseIdentity(input)).toEqual({ok: false, reason})
  })

  it('is created on first use 0600 in a 0700 directory, and the same key is read back', () => {
    const configDir = mkdtempSync(join(tmpdir(), 'ivc-identity-'))
    const first = loadOrCreateIdentity(configDir, 'bob')
    expect(statSync(identityPath(configDir, 'bob')).mode & 0o777).toBe(0o600)
    expect(statSync(userDir(configDir, 'bob')).mode & 0o777).toBe(0o700)
    expect(loadOrCreateIdentity(configDir, 'bob').identity.publicKey).toBe(first.identity.publicKey)
    expect(readFileSync(identityPath(configDir, 'bob'), 'utf8')).toBe(formatIdentity(first))
  })

  it('is refused when others can read it, or when it names another user', () => {
    const configDir = mkdtempSync(join(tmpdir(), 'ivc-identity-'))
    loadOrCreateIdentity(configDir, 'bob')
    writeFileSync(identityPath(configDir, 'bob'), text, {mode: 0o600})
    expect(() => readIdentity(configDir, 'bob')).toThrow('holds the identity of alice, not bob')
    writeFileSync(identityPath(configDir, 'bob'), formatIdentity({...record, user: 'bob'}))
    chmodSync(identityPath(configDir, 'bob'), 0o644)
    expect(() => readIdentity(configDir, 'bob')).toThrow('can be read by other users (mode 644)')
  })
})
