import type {ControlMessage} from '../../../src/protocol/call/control.js'
import type {SignalMessage} from '../../../src/protocol/call/signalling.js'

/**
 * Golden frames, one comment per field. A part is hex bytes ("49 56 43 53") or, for the JSON body, the literal
 * UTF-8 text. Lengths are written out by hand on purpose: if the encoder changes, these tests must fail.
 */
type Part = [bytes: string, comment: string] | [text: {utf8: string}, comment: string]

export function frame(...parts: Part[]): Buffer {
  return Buffer.concat(parts.map(([bytes]) => (typeof bytes === 'string' ? Buffer.from(bytes.replaceAll(' ', ''), 'hex') : Buffer.from(bytes.utf8, 'utf8'))))
}

const CALL = 'c0ffee00c0ffee00'
const CALLER_SHARE = 'jIHekjtRmTbjesJHRuXEiJmN6wMnwmbzqrFtirb433Y'
const CALLEE_SHARE = 'q8Ld1PuTQeRzGX0ia-uVh3tJy9Dk_5wHfE2mS6oNYCc'
/** The channel of the connection the golden messages travel on (the hash of its two hellos), which they sign. */
export const CHANNEL = '5ca1ab1e'.repeat(8)
/** testIdentity('alice') and testIdentity('bob') (test/support/identities.ts), and their signatures of these, on CHANNEL. */
export const ALICE_KEY = 'vab98SPwTdmlsk4hvX6K5w1SfbPPDkQt9TKPKti7xLQ'
export const BOB_KEY = 'OdiD_YpfF5oyWAPFETVrEtjdySjj8Oi_DQPx78zp8aU'
export const INVITE_SIGNATURE = '_mNDUpik3zcxK_ZgbLAPSxtjVb-6SOssQ_ByeRVhA_9RBvyMAPz8GiassBSQs0V0do0CH7S4SiOrkwsL9eVvCw'
export const ACCEPT_SIGNATURE = 'P57eej5aXoYJ22t3SCaNtjNvBaOb_SWMA_SNzBdEDv885-aMTz6ERk3GK_353qQhRTOrX36gBD0fjVX9ibQiBQ'
export const PROOF_SIGNATURE = 'Bfpk8vCBKeHvja9KJiz_cMvU3c05gMmC_K-AD_AUgrERhTlAhe0w7RLfnI1ETv609LYfwwj18SqQ7E3qVAUXAw'

export const signalFixtures: Array<{name: string; message: SignalMessage; bytes: Buffer}> = [
  {
    name: 'invite',
    message: {
      type: 'invite',
      callId: CALL,
      from: 'alice',
      to: 'bob',
      address: '10.0.0.5',
      keyShare: CALLER_SHARE,
      identityKey: ALICE_KEY,
      media: {
        video: {formats: ['mjpeg', 'raw'], port: 40_001, connections: 20, send: true, receive: true, width: 640, height: 480, fps: 30},
        audio: {formats: ['opus', 'pcm-s16le'], port: 40_002, connections: 10, send: true, receive: true, sampleRate: 48_000, channels: 1},
      },
      signature: INVITE_SIGNATURE,
    },
    bytes: frame(
      ['49 56 43 53', 'magic "IVCS"'],
      ['06', 'version 6 (inside the connection\'s TLS; 6 lists formats)'],
      ['01', 'type 0x01 invite'],
      ['02 31', 'body length 561'],
      [
        {
          utf8:
            `{"callId":"c0ffee00c0ffee00","from":"alice","to":"bob","address":"10.0.0.5","keyShare":"${CALLER_SHARE}","identityKey":"${ALICE_KEY}","media":{"video":{"formats":["mjpeg","raw"],"port":40001,"connections":20,"send":true,"receive":true,"width":640,"height":480,"fps":30},"audio":{"formats":["opus","pcm-s16le"],"port":40002,"connections":10,"send":true,"receive":true,"sampleRate":48000,"channels":1}},"signature":"${INVITE_SIGNATURE}"}`,
        },
        'body: compact JSON, keys in schema order; each stream lists the formats alice sends and receives; her signature over the invite transcript',
      ],
    ),
  },
  {
    name: 'ringing',
    message: {type: 'ringing', callId: CALL},
    bytes: frame(['49 56 43 53', 'magic'], ['06', 'version'], ['02', 'type ringing'], ['00 1d', 'length 29'], [{utf8: '{"callId":"c0ffee00c0ffee00"}'}, 'body']),
  },
  {
    name: 'accept',
    message: {type: 'accept', callId: CALL, keyShare: CALLEE_SHARE, identityKey: BOB_KEY, controlPort: 40_013, media: {audio: {formats: ['pcm-s16le'], port: 40_012, connections: 10, send: true, receive: true, toCaller: 'pcm-s16le', toCallee: 'pcm-s16le'}}, signature: ACCEPT_SIGNATURE},
    bytes: frame(
      ['49 56 43 53', 'magic'],
      ['06', 'version'],
      ['03', 'type accept'],
      ['01 9e', 'length 414'],
      [
        {
          utf8: `{"callId":"c0ffee00c0ffee00","keyShare":"${CALLEE_SHARE}","identityKey":"${BOB_KEY}","controlPort":40013,"media":{"audio":{"formats":["pcm-s16le"],"port":40012,"connections":10,"send":true,"receive":true,"toCaller":"pcm-s16le","toCallee":"pcm-s16le"}},"signature":"${ACCEPT_SIGNATURE}"}`,
        },
        'body: audio only (video not offered), bob without node-av: pcm-s16le chosen both ways; his signature over the invite\'s hash and the accept',
      ],
    ),
  },
  {
    name: 'reject',
    message: {type: 'reject', callId: CALL, code: 'declined', reason: 'not now'},
    bytes: frame(['49 56 43 53', 'magic'], ['06', 'version'], ['04', 'type reject'], ['00 42', 'length 66'], [{utf8: '{"callId":"c0ffee00c0ffee00","code":"declined","reason":"not now"}'}, 'body']),
  },
  {
    name: 'hangup',
    message: {type: 'hangup', callId: CALL, reason: 'bye'},
    bytes: frame(['49 56 43 53', 'magic'], ['06', 'version'], ['07', 'type hangup'], ['00 2c', 'length 44'], [{utf8: '{"callId":"c0ffee00c0ffee00","reason":"bye"}'}, 'body']),
  },
  {
    name: 'hangup (failed on authentication)',
    message: {type: 'hangup', callId: CALL, reason: 'the set-up could not be confirmed', failed: true, code: 'auth-failed'},
    bytes: frame(
      ['49 56 43 53', 'magic'],
      ['06', 'version'],
      ['07', 'type hangup'],
      ['00 6d', 'length 109'],
      [{utf8: '{"callId":"c0ffee00c0ffee00","reason":"the set-up could not be confirmed","failed":true,"code":"auth-failed"}'}, 'body: the sender\'s control handshake failed, so both sides end auth-failed'],
    ),
  },
  {
    name: 'proof',
    message: {type: 'proof', identityKey: BOB_KEY, signature: PROOF_SIGNATURE},
    bytes: frame(
      ['49 56 43 53', 'magic'],
      ['06', 'version'],
      ['0a', 'type proof'],
      ['00 a2', 'length 162'],
      [{utf8: `{"identityKey":"${BOB_KEY}","signature":"${PROOF_SIGNATURE}"}`}, 'body: bob\'s key and his signature over CHANNEL, the callee\'s first message'],
    ),
  },
  {
    name: 'proof-refused',
    message: {type: 'proof-refused', reason: 'not the callee expected'},
    bytes: frame(['49 56 43 53', 'magic'], ['06', 'version'], ['0b', 'type proof-refused'], ['00 24', 'length 36'], [{utf8: '{"reason":"not the callee expected"}'}, 'body']),
  },
  {
    name: 'keepalive',
    message: {type: 'keepalive', seq: 7, t: 123_456},
    bytes: frame(['49 56 43 53', 'magic'], ['06', 'version'], ['08', 'type keepalive'], ['00 14', 'length 20'], [{utf8: '{"seq":7,"t":123456}'}, 'body: sequence, sender clock ms']),
  },
]

export const controlFixtures: Array<{name: string; message: ControlMessage; bytes: Buffer}> = [
  {
    name: 'auth',
    message: {type: 'auth', callId: CALL, from: 'alice'},
    bytes: frame(['49 56 43 43', 'magic "IVCC"'], ['02', 'version 2 (1 carried the secret in auth)'], ['01', 'type auth'], ['00 2c', 'length 44'], [{utf8: '{"callId":"c0ffee00c0ffee00","from":"alice"}'}, 'body: the call and who calls, never a secret']),
  },
  {
    name: 'video off',
    message: {type: 'video', on: false},
    bytes: frame(['49 56 43 43', 'magic'], ['02', 'version'], ['05', 'type video'], ['00 0c', 'length 12'], [{utf8: '{"on":false}'}, 'body']),
  },
  {
    name: 'chat',
    message: {type: 'chat', text: 'héllo'},
    bytes: frame(['49 56 43 43', 'magic'], ['02', 'version'], ['09', 'type chat'], ['00 11', 'length 17 (é is 2 UTF-8 bytes)'], [{utf8: '{"text":"héllo"}'}, 'body']),
  },
  {
    name: 'recording',
    message: {type: 'recording', on: true},
    bytes: frame(['49 56 43 43', 'magic'], ['02', 'version'], ['0a', 'type recording'], ['00 0b', 'length 11'], [{utf8: '{"on":true}'}, 'body']),
  },
]
