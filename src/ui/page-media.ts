/**
 * The binary WebSocket messages from `ivc ui` to its page (docs/protocol.md, "The ui page"): one frame of media each,
 * the peer's video or one's own self-view (JPEG) or the peer's audio (20 ms of PCM). No import, so the page (web/,
 * bundled for the browser) decodes with the same code the ui process encodes with.
 *
 * Header, big-endian, 16 bytes, then the payload (the rest of the message):
 *   0 version u8 (1)   1 stream u8 (1 video, 2 self-view, 3 audio)   2 reserved u16 (0)
 *   4 seq u32          8 hand-over f64 (µs of the ui host's monotonic clock: the page sends it back in `taken`)
 */
export const PAGE_MEDIA_VERSION = 1
export const PAGE_MEDIA_HEADER_BYTES = 16

export type PageMediaStream = 'video' | 'self-view' | 'audio'
const STREAM_CODES: Record<PageMediaStream, number> = {video: 1, 'self-view': 2, audio: 3}
const STREAMS: Record<number, PageMediaStream> = {1: 'video', 2: 'self-view', 3: 'audio'}

/** The largest payload of each stream the page takes: the lanes' bounds (4 MiB a picture, 64 KiB of audio). */
export const MAX_PAGE_MEDIA_PAYLOAD: Record<PageMediaStream, number> = {video: 4 * 1024 * 1024, 'self-view': 4 * 1024 * 1024, audio: 64 * 1024}

export interface PageMedia<B extends ArrayBufferLike = ArrayBufferLike> {
  stream: PageMediaStream
  seq: number
  /** When the frame was handed over to the page path, µs of the ui host's monotonic clock. */
  handedUs: number
  payload: Uint8Array<B>
}

export type DecodedPageMedia<B extends ArrayBufferLike = ArrayBufferLike> = {ok: true; value: PageMedia<B>} | {ok: false; reason: string}

/** The header of one message; the ui process sends it and the payload as one WebSocket message. */
export function encodePageMediaHeader(media: Omit<PageMedia, 'payload'>): Uint8Array {
  const header = new Uint8Array(PAGE_MEDIA_HEADER_BYTES)
  const view = new DataView(header.buffer)
  view.setUint8(0, PAGE_MEDIA_VERSION)
  view.setUint8(1, STREAM_CODES[media.stream])
  view.setUint32(4, media.seq >>> 0)
  view.setFloat64(8, media.handedUs)
  return header
}

/** One whole message (header and payload); never throws. The payload is a view into `message`, not a copy. */
export function decodePageMedia<B extends ArrayBufferLike>(message: Uint8Array<B>): DecodedPageMedia<B> {
  if (message.byteLength < PAGE_MEDIA_HEADER_BYTES) return {ok: false, reason: `${message.byteLength} bytes, shorter than the ${PAGE_MEDIA_HEADER_BYTES}-byte header`}
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength)
  const version = view.getUint8(0)
  if (version !== PAGE_MEDIA_VERSION) return {ok: false, reason: `version ${version}`}
  const stream = STREAMS[view.getUint8(1)]
  if (!stream) return {ok: false, reason: `unknown stream ${view.getUint8(1)}`}
  if (view.getUint16(2) !== 0) return {ok: false, reason: 'reserved header bits set'}
  const handedUs = view.getFloat64(8)
  if (!Number.isFinite(handedUs) || handedUs < 0) return {ok: false, reason: 'hand-over time out of range'}
  const payload = message.subarray(PAGE_MEDIA_HEADER_BYTES)
  if (payload.byteLength > MAX_PAGE_MEDIA_PAYLOAD[stream]) return {ok: false, reason: `${stream} payload of ${payload.byteLength} bytes exceeds the limit of ${MAX_PAGE_MEDIA_PAYLOAD[stream]}`}
  return {ok: true, value: {stream, seq: view.getUint32(4), handedUs, payload}}
}
