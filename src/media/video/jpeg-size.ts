/** A baseline or progressive JPEG's size from its start-of-frame segment; undefined if there is none. */
export function jpegSize(jpeg: Buffer): {width: number; height: number} | undefined {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return undefined
  let at = 2
  while (at + 4 <= jpeg.length) {
    if (jpeg[at] !== 0xff) return undefined
    const marker = jpeg[at + 1]
    // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (at + 9 > jpeg.length) return undefined
      return {height: jpeg.readUInt16BE(at + 5), width: jpeg.readUInt16BE(at + 7)}
    }

    if (marker === 0xda) return undefined // start of scan: no frame header before it
    at += 2 + jpeg.readUInt16BE(at + 2)
  }

  return undefined
}
