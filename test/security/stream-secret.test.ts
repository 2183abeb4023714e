import {describe, expect, it} from 'vitest'

import {formatStreamSecret, newStreamSecret, parseStreamSecret, STREAM_SECRET_PATTERN} from '../../src/security/stream-secret.js'
import {runCli} from '../support/cli.js'

// Worked out by hand (Python: "ivc1-" + urlsafe_b64encode(key + sha256(key)[:4])), not by the module under test.
const KEY_0_TO_31 = 'ivc1-AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9jDc0p'
const HEX_0_TO_31 = Buffer.from(Array.from({length: 32}, (_, index) => index)).toString('hex')

const invalid = (message: string) => expect.objectContaining({code: 'SECRET_INVALID', exit: 5, message: `the stream secret is not an ivc key: ${message}`})

describe('stream secrets', () => {
  it('write 32 bytes as "ivc1-" + base64url of the key and its 4-byte SHA-256 checksum, and read them back as hex', () => {
    expect(formatStreamSecret(Buffer.from(HEX_0_TO_31, 'hex'))).toBe(KEY_0_TO_31)
    expect(parseStreamSecret(KEY_0_TO_31)).toBe(HEX_0_TO_31)
  })

  it('are fresh random keys in that one format', () => {
    const made = new Set(Array.from({length: 50}, () => newStreamSecret()))
    expect(made.size).toBe(50)
    for (const secret of made) {
      expect(secret).toMatch(STREAM_SECRET_PATTERN)
      expect(parseStreamSecret(secret)).toMatch(/^[0-9a-f]{64}$/)
    }
  })

  it('refuse a passphrase, any other length, a foreign character and every single mistyped character, in one line', () => {
    expect(() => parseStreamSecret('correct horse battery staple')).toThrow(invalid('it does not start with "ivc1-" (passphrases are not accepted)'))
    expect(() => parseStreamSecret('ab'.repeat(32))).toThrow(invalid('it does not start with "ivc1-" (passphrases are not accepted)'))
    expect(() => parseStreamSecret(KEY_0_TO_31.slice(0, -1))).toThrow(invalid('it has 47 characters after "ivc1-", not 48'))
    expect(() => parseStreamSecret(`${KEY_0_TO_31}=`)).toThrow(invalid('it has 49 characters after "ivc1-", not 48'))
    expect(() => parseStreamSecret(`${KEY_0_TO_31.slice(0, -1)}+`)).toThrow(invalid('it has a character that is not base64url (A-Z a-z 0-9 - _)'))
    for (let index = 'ivc1-'.length; index < KEY_0_TO_31.length; index++) {
      const typo = KEY_0_TO_31.slice(0, index) + (KEY_0_TO_31[index] === 'x' ? 'y' : 'x') + KEY_0_TO_31.slice(index + 1)
      expect(() => parseStreamSecret(typo), typo).toThrow(invalid('its checksum does not match (a character was mistyped?)'))
    }
  })
})

describe('ivc secret new', () => {
  it('prints one key, as a line or as JSON, that a stream takes', async () => {
    const [human, json] = await Promise.all([runCli(['secret', 'new']), runCli(['secret', 'new', '--json'])])
    expect(human.exitCode, human.stderr).toBe(0)
    expect(human.stdout).toMatch(/^ivc1-[A-Za-z0-9_-]{48}$/)
    expect(json.exitCode, json.stderr).toBe(0)
    const {secret} = JSON.parse(json.stdout) as {secret: string}
    expect(parseStreamSecret(secret)).toMatch(/^[0-9a-f]{64}$/)
    expect(secret).not.toBe(human.stdout.trim())
  }, 60_000)

  it('is what a stream given anything else is told to run, with exit 5', async () => {
    const {exitCode, stderr, stdout} = await runCli(['stream-audio', '--to', '127.0.0.1:1', '--json'], {env: {IVC_MEDIA_SECRET: 'correct horse battery staple'}})
    expect(exitCode).toBe(5)
    expect(JSON.parse(stdout).error).toMatchObject({code: 'SECRET_INVALID', message: 'the stream secret is not an ivc key: it does not start with "ivc1-" (passphrases are not accepted)'})
    expect(stderr).toContain('ivc secret new')
    expect(stderr).not.toContain('correct horse')
  }, 60_000)
})
