import {AvVideoCodec, VIDEO_DEFAULT_KBPS} from './av-video-codec.js'

/**
 * libvpx's speed for real time (`cpu-used`, 0–16 under the realtime deadline): high, since a call encodes every frame
 * as it comes on a machine that also decodes and shows the peer's.
 */
export const VP8_CPU_USED = 8

/**
 * VP8 through node-av (libvpx to encode, FFmpeg's vp8 to decode, in-process; the shared part is AvVideoCodec), set for
 * real time: the `realtime` deadline, no lookahead (`lag-in-frames` 0) and no alt-ref frames, so each frame is one
 * visible packet out at once and one picture back; `error-resilient`, so a receiver's decoder state after a keyframe
 * does not depend on anything before it. A keyframe on request is a VP8 key frame, which a fresh decoder starts from.
 * The rate is constant (CBR, libvpx's one-pass VBR ignores its buffer), and FFmpeg's libvpx wrapper takes a bitrate only
 * as the encoder opens: a change of at least a quarter opens a new one, whose first frame is a keyframe.
 */
export class Vp8Codec extends AvVideoCodec {
  constructor(fps = 30, kbps = VIDEO_DEFAULT_KBPS) {
    const encoderOptions = {deadline: 'realtime', 'cpu-used': String(VP8_CPU_USED), 'lag-in-frames': '0', 'auto-alt-ref': '0', 'error-resilient': 'default'}
    super({name: 'vp8', label: 'VP8', decoder: (av) => av.FF_DECODER_VP8, encoder: (av) => av.FF_ENCODER_LIBVPX_VP8, encoderOptions, bitrateChange: 'reopen', constantRate: true}, fps, kbps)
  }
}
