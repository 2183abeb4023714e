import {IvcError} from '../../foundation/errors.js'
import {createLogger} from '../../foundation/logger.js'
import {probeCamera} from '../device-probes.js'
import {MIN_STAMP_HEIGHT, MIN_STAMP_WIDTH} from '../../media/video/frame-stamp.js'
import type {VideoBackendOptions, VideoCodec} from '../../media/types.js'
import {FFMPEG_HINT, probeProgram} from '../external.js'
import {probeNodeAvH264, probeNodeAvVp8, probeOpenCV, probeSharp} from '../native.js'
import type {AnyBackend, ProbeResult} from '../types.js'
import {UI_SOCKETS_ENV, uiSocketFromEnv} from '../ui-socket.js'
import type {PipeInput} from './pipe-sink.js'

// Each backend imports its implementation in create(): a process loads only the backends it uses (issue 12), and
// nothing here may load OpenCV, sharp or execa at import.

const pureJs = async (): Promise<ProbeResult> => ({ok: true, detail: 'pure JavaScript'})
const opencv = async () => probeOpenCV()
const ffplay = () => probeProgram('ffplay', FFMPEG_HINT)
const ffmpeg = () => probeProgram('ffmpeg', FFMPEG_HINT)

/** Low-delay ffplay: no input buffering or probing, drop late frames. (Its status line is kept: with it ffplay also logs the input it found.) */
export const FFPLAY_ARGS = ['-hide_banner', '-loglevel', 'info', '-fflags', 'nobuffer', '-flags', 'low_delay', '-framedrop', '-probesize', '32', '-analyzeduration', '0', '-sync', 'ext', '-autoexit']

const options = (raw: Record<string, unknown>) => raw as VideoBackendOptions
const size = (o: VideoBackendOptions) => (o.width && o.height ? {width: o.width, height: o.height} : undefined)

/** OpenCV's JPEG when it loads, else sharp's (libvips), so JPEG works without OpenCV. */
async function jpegCodec(quality: number): Promise<VideoCodec> {
  if (probeOpenCV().ok) return new (await import('./jpeg-codec.js')).JpegCodec(quality)
  return new (await import('./sharp-jpeg-codec.js')).SharpJpegCodec(quality)
}

export function videoBackends(): AnyBackend[] {
  return [
    {
      name: 'synthetic',
      kind: 'video-source',
      description: 'moving test pattern with the frame number stamped in the pixels',
      probe: pureJs,
      async create(raw) {
        const {width = 640, height = 480, format = 'bgr'} = options(raw)
        // Its stamp needs room; the upper bound is --size's own (media/video/frame-size.ts).
        if (width < MIN_STAMP_WIDTH || height < MIN_STAMP_HEIGHT) {
          throw new IvcError('BAD_USAGE', `--size ${width}x${height}: the synthetic source needs at least ${MIN_STAMP_WIDTH}x${MIN_STAMP_HEIGHT} for its frame stamp`)
        }

        const {SyntheticSource} = await import('./synthetic-source.js')
        return new SyntheticSource(width, height, format)
      },
    },
    {
      name: 'camera',
      kind: 'video-source',
      description: 'a webcam through OpenCV VideoCapture (--device N or /dev/videoN)',
      probe: opencv,
      probeDevices: probeCamera,
      async create(raw) {
        const o = options(raw)
        const {OpenCVSource} = await import('./opencv-source.js')
        return new OpenCVSource('camera', o.device ?? '0', size(o))
      },
    },
    {
      name: 'file',
      kind: 'video-source',
      description: 'a video file through OpenCV (--device PATH)',
      probe: opencv,
      async create(raw) {
        const o = options(raw)
        if (!o.path && !o.device) throw new IvcError('BAD_USAGE', 'the file source needs a path: --device PATH')
        const {OpenCVSource} = await import('./opencv-source.js')
        return new OpenCVSource('file', (o.path ?? o.device)!, size(o))
      },
    },
    {
      name: 'jpeg',
      kind: 'video-codec',
      description: 'JPEG through OpenCV imencode/imdecode (--quality), or sharp when OpenCV is missing',
      // OpenCV when it loads; otherwise sharp (libvips), so JPEG works without OpenCV.
      async probe() {
        const viaOpenCV = probeOpenCV()
        if (viaOpenCV.ok) return viaOpenCV
        const viaSharp = probeSharp()
        return viaSharp.ok ? {ok: true, detail: `${viaSharp.detail} (OpenCV missing: ${viaOpenCV.detail})`} : {...viaOpenCV, detail: `${viaOpenCV.detail}; ${viaSharp.detail}`}
      },
      create: async (raw) => jpegCodec(options(raw).quality ?? 80),
    },
    {
      name: 'h264',
      kind: 'video-codec',
      description: 'H.264 through libx264 (veryfast, zerolatency), bitrate set by adaptation, keyframes on request (node-av, optional)',
      probe: async () => probeNodeAvH264(),
      create: async (raw) => new (await import('./h264-codec.js')).H264Codec(options(raw).fps ?? 30),
    },
    {
      name: 'vp8',
      kind: 'video-codec',
      description: 'VP8 through libvpx (realtime, error-resilient), bitrate set by adaptation, keyframes on request (node-av, optional)',
      probe: async () => probeNodeAvVp8(),
      create: async (raw) => new (await import('./vp8-codec.js')).Vp8Codec(options(raw).fps ?? 30),
    },
    {name: 'raw', kind: 'video-codec', description: 'uncompressed frames (tests)', probe: pureJs, create: async () => new (await import('./raw-codec.js')).RawCodec()},
    {
      name: 'ffplay',
      kind: 'video-sink',
      description: 'a window through ffplay (MJPEG on stdin; SDL_VIDEODRIVER=dummy for none)',
      probe: ffplay,
      async create(raw) {
        const o = options(raw)
        const [{PipeSink}, {FfplayWindow}] = await Promise.all([import('./pipe-sink.js'), import('./ffplay-window.js')])
        // The window takes the first frame's size (a sender's first frame is always full size, docs/protocol.md) and a
        // place clear of ivc's other windows; frames shrunk by adaptation are scaled up to fill it.
        const window = new FfplayWindow(o.window ?? {title: 'ivc - video'})
        const args = (input: PipeInput) => [...FFPLAY_ARGS, ...window.args(input.size), ...input.args, '-i', 'pipe:0']
        return new PipeSink('ffplay', 'ffplay', args, o.logger ?? createLogger('warn'), {onExit: () => window.release()})
      },
    },
    {name: 'null', kind: 'video-sink', description: 'decode, count and check the stamped frame order', probe: pureJs, create: async () => new (await import('./null-sink.js')).NullSink()},
    {
      name: 'ui',
      kind: 'video-sink',
      description: `the page of ivc ui (JPEG over its local socket: --device PATH, or the one in ${UI_SOCKETS_ENV}, which ivc ui sets)`,
      probe: pureJs,
      async create(raw) {
        const o = options(raw)
        // ivc ui starts the user's ivc listen with its socket directory in the environment; a call's components inherit it.
        // The self-view's sender has --device for its camera: its socket is always the one ivc ui named.
        const path = o.stream === 'self-view' ? uiSocketFromEnv('self-view') : (o.path ?? o.device ?? uiSocketFromEnv('video'))
        return new (await import('./ui-sink.js')).UiSink(path, () => jpegCodec(o.quality ?? 80))
      },
    },
    {
      name: 'file',
      kind: 'video-sink',
      description: 'record to an AVI (MJPEG) through ffmpeg (--device PATH)',
      probe: ffmpeg,
      async create(raw) {
        const o = options(raw)
        const path = o.path ?? o.device
        if (!path) throw new IvcError('BAD_USAGE', 'the file sink needs a path: --device PATH')
        const {PipeSink} = await import('./pipe-sink.js')
        return new PipeSink('file', 'ffmpeg', (input) => ['-hide_banner', '-loglevel', 'error', '-y', ...input.args, '-i', 'pipe:0', ...(input.args.includes('mjpeg') ? ['-c:v', 'copy'] : ['-c:v', 'mjpeg', '-q:v', '3']), path], o.logger ?? createLogger('warn'))
      },
    },
  ]
}
