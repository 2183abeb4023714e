import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {MAX_CHAT_CHARS} from '../../src/protocol/call/control.js'
import {decodePageRequest, MAX_PAGE_MESSAGE_BYTES} from '../../src/ui/page-protocol.js'

describe('what the page sends ivc ui (docs/protocol.md, "The ui page")', () => {
  it('decodes each request the page makes', () => {
    const requests = [
      {v: 1, type: 'save-name', name: 'alice'},
      {v: 1, type: 'call', peer: 'bob'},
      {v: 1, type: 'accept'},
      {v: 1, type: 'decline'},
      {v: 1, type: 'hangup'},
      {v: 1, type: 'media', kind: 'video', on: false},
      {v: 1, type: 'chat', text: '<script>hi</script>'},
      {v: 1, type: 'stats'},
      {v: 1, type: 'taken', stream: 'video', handedUs: 123_456_789.5, painted: true},
      {v: 1, type: 'taken', stream: 'self-view', handedUs: 0, painted: false},
    ]
    for (const request of requests) expect(decodePageRequest(JSON.stringify(request))).toEqual({ok: true, value: request})
  })

  it('refuses, with a reason, what is not one of them', () => {
    const refused: Array<[string, string]> = [
      ['{"v":2,"type":"accept"}', 'v: '],
      ['{"v":1,"type":"accept","extra":1}', 'Unrecognized key'],
      ['{"v":1,"type":"dial","peer":"bob"}', 'type: '],
      ['{"v":1,"type":"media","kind":"screen","on":true}', 'kind: '],
      [JSON.stringify({v: 1, type: 'chat', text: ''}), 'text: '],
      [JSON.stringify({v: 1, type: 'chat', text: 'x'.repeat(MAX_CHAT_CHARS + 1)}), 'text: '],
      ['{"v":1,"type":"taken","stream":"video","handedUs":-1,"painted":true}', 'handedUs: '],
      ['{"v":1,"type":"taken","stream":"audio","handedUs":1,"painted":true}', 'stream: '],
      ['{"v":1,"type":"taken","stream":"video","handedUs":1}', 'painted: '],
      ['[1,2', 'not JSON'],
      ['null', 'message: '],
      [' '.repeat(MAX_PAGE_MESSAGE_BYTES + 1), `over ${MAX_PAGE_MESSAGE_BYTES} bytes`],
    ]
    for (const [text, reason] of refused) {
      const decoded = decodePageRequest(text)
      expect(decoded.ok, text.slice(0, 60)).toBe(false)
      if (!decoded.ok) expect(decoded.reason).toContain(reason)
    }
  })

  it('never throws, whatever text arrives', () => {
    const jsonish = fc.oneof(fc.string({maxLength: 300}), fc.json(), fc.jsonValue().map((value) => JSON.stringify({v: 1, type: 'chat', text: value})))
    fc.assert(
      fc.property(jsonish, (text) => {
        const decoded = decodePageRequest(text)
        return decoded.ok ? typeof decoded.value.type === 'string' : decoded.reason.length > 0
      }),
      {numRuns: 2000},
    )
  })
})
