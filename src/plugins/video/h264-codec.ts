import {AvVideoCodec, VIDEO_DEFAULT_KBPS} from './av-video-codec.js'

/**
 * H.264 through node-av (libx264 to encode, FFmpeg's h264 to decode, in-process; the shared part is AvVideoCodec):
 * `veryfast` and `zerolatency`, no B-frames, so each frame is one packet out at once and one picture back; libx264
 * reconfigures its bitrate between frames; a keyframe on request is an IDR (`forced-idr`), so a receiver can start
 * from it.
 */
export class H264Codec extends AvVideoCodec {
  constructor(
    fps = 30,
    kbps = VIDEO_DEFAULT_KBPS,
    /**
     * libx264's speed preset: ivc sends veryfast, which keeps a picture that changes everywhere (lavfi mandelbrot)
     * at SSIM 0.95 in 1 Mbit/s where ultrafast gives 0.90, for ~7 % more of a core at 640x480 (docs/codecs.md);
     * the codecs bench compares ultrafast.
     */
    preset: 'ultrafast' | 'veryfast' = 'veryfast',
  ) {
    const encoderOptions = {preset, tune: 'zerolatency', 'forced-idr': '1'}
    super({name: 'h264', label: 'H.264', decoder: (av) => av.FF_DECODER_H264, encoder: (av) => av.FF_ENCODER_LIBX264, encoderOptions, bitrateChange: 'live', constantRate: false}, fps, kbps)
  }
}
