import {isIP} from 'node:net'

import * as Flags from '@oclif/core/flags'

import {ivcConfigDir} from '../foundation/config-dir.js'
import {KnownPeers, knownPeersTrust, type PeerTrust} from '../security/known-peers.js'

import {IvcError} from '../foundation/errors.js'
import {audioFormatOfCodec} from '../media/audio/stream-formats.js'
import {formatOfCodec} from '../media/video/formats.js'
import {frameSizeFlag} from '../media/video/frame-size.js'
import {defaultVideoSink, DISPLAY_RULE, displayExists} from '../plugins/display.js'
import {host} from '../protocol/call/fields.js'
import {DEFAULT_STALL_TIMEOUT_MS} from '../transport/liveness.js'
import type {MediaPlan} from './media-session.js'
import {AUDIO_CODEC_CHOICES, offeredFormats, VIDEO_CODEC_CHOICES} from './offered-formats.js'

/** An address peers can reach: a host name or IP, as the invite carries it. */
const peerAddress = Flags.custom<string>({
  async parse(value) {
    if (!host.safeParse(value).success) throw new IvcError('BAD_USAGE', `--address "${value}" is not a host name or IP address`)
    return value
  },
})

export const DEFAULT_CALL_PORT = 12_344

/** An address to listen on: an IP this host has, or 0.0.0.0 / :: for every interface. */
const bindAddress = Flags.custom<string>({
  async parse(value) {
    if (isIP(value) === 0) throw new IvcError('BAD_USAGE', `--bind "${value}" is not an IP address (0.0.0.0 or :: for every interface)`)
    return value
  },
})

/** `--bind` of a component that listens (a receiver, the callee's control); the call component passes its own. */
export const componentBindFlag = (description: string) => bindAddress({env: 'IVC_BIND', description})

/**
 * Where this user's call, control and media ports listen: `--bind` when given, else the address peers are told
 * (`--address`, or the one detected), so a call port is never open on an interface nobody asked for.
 */
export function listenAddress(flags: {bind?: string}, advertised: string): string {
  return flags.bind ?? advertised
}

/**
 * `--stall-timeout`: seconds a silent peer may stall before the call ends. After 2 s of silence the call shows
 * "reconnecting…" (`call.stalled`); a peer whose connections reset (a killed process) ends it at once.
 */
export function stallTimeoutFlag(options: {helpGroup?: string; description?: string} = {}) {
  return Flags.integer({
    env: 'IVC_STALL_TIMEOUT',
    default: DEFAULT_STALL_TIMEOUT_MS / 1000,
    min: 3,
    max: 600,
    description: 'Seconds a silent peer (stopped, suspended, roaming) may stall before the call ends; "reconnecting…" shows after 2 s.',
    ...options,
  })
}

/** Flags of the call component shared by `ivc listen` and `ivc call`: which media, from where, to where. */
export const callFlags = {
  video: Flags.boolean({env: 'IVC_VIDEO', default: true, allowNo: true, helpGroup: 'MEDIA', description: 'Send and receive video (--no-video: audio only).'}),
  audio: Flags.boolean({env: 'IVC_AUDIO', default: true, allowNo: true, helpGroup: 'MEDIA', description: 'Send and receive audio (--no-audio: video only).'}),
  'video-source': Flags.string({env: 'IVC_VIDEO_SOURCE', default: 'synthetic', helpGroup: 'MEDIA', description: 'Video source backend: synthetic, camera, file.'}),
  'video-sink': Flags.string({env: 'IVC_VIDEO_SINK', helpGroup: 'MEDIA', description: `Where the peer's video plays: ffplay (a window titled "ivc - PEER"), null, file, ui (the page of ivc ui). Default: ffplay when a display exists, else null (${DISPLAY_RULE}).`}),
  'self-view': Flags.boolean({env: 'IVC_SELF_VIEW', default: false, helpGroup: 'MEDIA', description: 'Also show what you send: in a half-size window beside the peer\'s (needs a display), or in the page with --video-sink ui.'}),
  'audio-source': Flags.string({env: 'IVC_AUDIO_SOURCE', default: 'tone', helpGroup: 'MEDIA', description: 'Audio source backend: tone, file, mic.'}),
  'audio-sink': Flags.string({env: 'IVC_AUDIO_SINK', default: 'null', helpGroup: 'MEDIA', description: 'Audio sink backend: speaker, ffplay, null, file, ui (the page of ivc ui).'}),
  size: frameSizeFlag({env: 'IVC_VIDEO_SIZE', default: '640x480', helpGroup: 'MEDIA', description: 'Video frame size WxH.'}),
  fps: Flags.integer({env: 'IVC_VIDEO_FPS', default: 30, min: 1, max: 120, helpGroup: 'MEDIA', description: 'Video frames per second.'}),
  quality: Flags.integer({env: 'IVC_VIDEO_QUALITY', default: 80, min: 1, max: 100, helpGroup: 'MEDIA', description: 'JPEG quality.'}),
  'video-codec': Flags.string({env: 'IVC_VIDEO_CODEC', options: [...VIDEO_CODEC_CHOICES], helpGroup: 'MEDIA', description: 'Offer only this video codec: h264 or vp8 (need node-av, see `ivc doctor`), jpeg or raw. Default: h264 and vp8 where node-av loads, then jpeg and raw; the call uses the best both sides offer.'}),
  'audio-codec': Flags.string({env: 'IVC_AUDIO_CODEC', options: [...AUDIO_CODEC_CHOICES], helpGroup: 'MEDIA', description: 'Offer only this audio codec: opus (needs node-av, see `ivc doctor`) or pcm. Default: opus where node-av loads, pcm always; the call uses the best both sides offer.'}),
  frequency: Flags.integer({env: 'IVC_AUDIO_FREQUENCY', default: 440, min: 1, max: 23_999, helpGroup: 'MEDIA', description: 'Tone frequency (Hz) for --audio-source tone.'}),
  'video-connections': Flags.integer({env: 'IVC_VIDEO_CONNECTIONS', default: 20, min: 1, max: 64, helpGroup: 'MEDIA', description: 'Parallel TCP connections for video.'}),
  'audio-connections': Flags.integer({env: 'IVC_AUDIO_CONNECTIONS', default: 10, min: 1, max: 64, helpGroup: 'MEDIA', description: 'Parallel TCP connections for audio.'}),
  address: peerAddress({env: 'IVC_ADDRESS', description: 'Address peers reach this host at; default: the primary non-loopback IPv4, else 127.0.0.1.'}),
  bind: bindAddress({env: 'IVC_BIND', description: 'Address to listen on for calls, control and media; default: the --address peers are told. 0.0.0.0 (or ::) for every interface.'}),
  timeout: Flags.integer({env: 'IVC_CALL_TIMEOUT', default: 30, min: 1, description: 'Seconds to wait for an answer before giving up.'}),
  'stall-timeout': stallTimeoutFlag(),
  'trust-on-first-use': Flags.custom<boolean>({
    env: 'IVC_TRUST_ON_FIRST_USE',
    default: true,
    options: ['true', 'false'],
    parse: async (input) => input === 'true',
    description: 'true: pin the identity key of a peer met for the first time (as SSH does); false: call, and take calls from, only peers pinned with `ivc trust`.',
  })(),
}

/** How this user's calls judge a peer's identity key: its known-peers file, and whether a first meeting pins. */
export function peerTrust(user: string, trustOnFirstUse: boolean): PeerTrust {
  return knownPeersTrust(new KnownPeers(ivcConfigDir(), user), {trustOnFirstUse})
}

export interface CallFlagValues {
  video: boolean
  audio: boolean
  'video-source': string
  'video-sink'?: string
  'self-view': boolean
  'audio-source': string
  'audio-sink': string
  'audio-codec'?: string
  'video-codec'?: string
  size: string
  fps: number
  quality: number
  frequency: number
  'video-connections': number
  'audio-connections': number
}

/** What this side sends and plays; a video sink not named is the display's default (plugins/display.ts). */
export function mediaPlanFromFlags(flags: CallFlagValues, env: NodeJS.ProcessEnv = process.env): MediaPlan {
  const sink = flags['video-sink'] ?? defaultVideoSink(env)
  // The self-view shows in the page when the peer's video does (ivc ui); otherwise in a window of its own.
  const selfView = flags['self-view'] ? (sink === 'ui' ? 'ui' : 'ffplay') : undefined
  if (flags.video && selfView === 'ffplay' && !displayExists(env)) throw new IvcError('BAD_USAGE', `--self-view needs a display: ${DISPLAY_RULE}`)
  return {
    ...(flags.video ? {video: {source: flags['video-source'], sink, connections: flags['video-connections'], size: flags.size, fps: flags.fps, quality: flags.quality, selfView, formats: videoFormats(flags['video-codec'])}} : {}),
    ...(flags.audio ? {audio: {source: flags['audio-source'], sink: flags['audio-sink'], connections: flags['audio-connections'], frequency: flags.frequency, formats: audioFormats(flags['audio-codec'])}} : {}),
  }
}

/** The video formats this side offers: `--video-codec`'s alone, else every one this machine can code (offered-formats.ts). */
function videoFormats(codec: string | undefined): string[] {
  return offeredFormats('video', codec === undefined ? undefined : formatOfCodec(codec)!)
}

/** The audio formats this side offers: `--audio-codec`'s alone, else every one this machine can code (offered-formats.ts). */
function audioFormats(codec: string | undefined): string[] {
  return offeredFormats('audio', codec === undefined ? undefined : audioFormatOfCodec(codec)!)
}

/** `--await-start` of the components a call starts early: wait for the start line on stdin (component-start.ts). */
export const awaitStartFlag = Flags.boolean({
  hidden: true,
  default: false,
  description: 'Set by the call component: start now, then wait for the key (and, sending, the address) on stdin.',
})
