/**
 * The one result shape of ivc's decoders (media and call wire codecs, feedback reports, bus envelopes): the value,
 * or why the input was refused, as text to log. A decoder never throws on bad input: the bytes are a peer's, and a
 * peer sending garbage is not a bug of ours.
 */
export type Decoded<T> = {ok: true; value: T} | {ok: false; reason: string}

/**
 * A decoder of a message at the start of a byte stream (the media hello and its reply): `undefined` until the whole
 * message has arrived (a wrong byte is refused as soon as it arrives), then the value and the bytes that follow it.
 */
export type DecodedPrefix<T> = {ok: true; value: T; rest: Buffer} | {ok: false; reason: string} | undefined

/**
 * A streaming decoder's answer to one chunk (media messages, call frames): the whole messages the chunk completed,
 * and the error that stopped it, once the input went wrong; it stays failed, since a byte stream cannot be
 * resynchronised. `E` is the reason's type: text, or for call frames a FrameError that also carries its code.
 */
export interface DecodeStep<M, E = string> {
  messages: M[]
  error?: E
}
