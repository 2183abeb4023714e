/**
 * The ladder: the encodings a sender may choose, from full quality down, and a cost model that says what each costs
 * in kbit/s. The model is JPEG-shaped (bits grow a little under linearly with pixels and steeply with quality) with
 * one unknown factor, the content's complexity, learnt from the sizes of the frames actually sent.
 */
export interface Rung {
  /** Frame side scale, 0..1 (0.5 = half width and half height). */
  scale: number
  /** JPEG quality, 1..100. */
  quality: number
  fps: number
}

export interface Encoding {
  width: number
  height: number
  fps: number
  /** JPEG quality at the top of the ladder. */
  quality: number
}

/** Every rung from `top` down, by falling cost: quality first, then size, then frame rate. */
export function buildLadder(top: Encoding): Rung[] {
  const q = (drop: number) => Math.max(20, top.quality - drop)
  const f = (divisor: number) => Math.max(1, Math.round(top.fps / divisor))
  const candidates: Rung[] = [
    {scale: 1, quality: q(0), fps: f(1)},
    {scale: 1, quality: q(15), fps: f(1)},
    {scale: 0.75, quality: q(0), fps: f(1)},
    {scale: 0.75, quality: q(15), fps: f(1)},
    {scale: 0.5, quality: q(0), fps: f(1)},
    {scale: 0.5, quality: q(15), fps: f(1)},
    {scale: 0.5, quality: q(30), fps: f(1)},
    {scale: 0.375, quality: q(30), fps: f(1)},
    {scale: 0.375, quality: q(30), fps: f(2)},
    {scale: 0.25, quality: q(30), fps: f(2)},
    {scale: 0.25, quality: q(35), fps: f(3)},
  ]
  const model = new CostModel(top)
  const unique = candidates.filter((rung, index) => candidates.findIndex((other) => sameRung(other, rung)) === index)
  return unique.sort((a, b) => model.kbps(b) - model.kbps(a))
}

export function sameRung(a: Rung, b: Rung): boolean {
  return a.scale === b.scale && a.quality === b.quality && a.fps === b.fps
}

/** Frame size at a scale, rounded to even sides (what encoders want), at least 16×16. */
export function scaledSize(width: number, height: number, scale: number): {width: number; height: number} {
  const side = (value: number) => Math.max(16, 2 * Math.round((value * scale) / 2))
  return {width: side(width), height: side(height)}
}

// Relative JPEG bits per pixel by quality (1.0 at quality 80), from typical libjpeg outputs on camera content.
const QUALITY_POINTS: Array<[number, number]> = [
  [1, 0.2],
  [20, 0.38],
  [30, 0.45],
  [40, 0.52],
  [50, 0.6],
  [60, 0.7],
  [70, 0.82],
  [80, 1],
  [90, 1.45],
  [95, 2],
  [100, 3.2],
]

export function qualityFactor(quality: number): number {
  const q = Math.min(100, Math.max(1, quality))
  for (let i = 1; i < QUALITY_POINTS.length; i++) {
    const [q1, f1] = QUALITY_POINTS[i]
    const [q0, f0] = QUALITY_POINTS[i - 1]
    if (q <= q1) return f0 + ((f1 - f0) * (q - q0)) / (q1 - q0)
  }

  return QUALITY_POINTS.at(-1)![1]
}

const PIXEL_EXPONENT = 0.9

/** Predicted kbit/s of a rung; `observe` calibrates the content factor from real frame sizes (EWMA). */
export class CostModel {
  /**
   * Bits per (pixel^0.9 × quality factor). The starting guess, 3, puts a 640x480 quality-80 frame at about 32 KB
   * (camera-like content, about 7.8 Mbit/s at 30 fps) until real frames say otherwise.
   */
  #complexity = 3
  #observed = 0

  constructor(private readonly top: Encoding) {}

  get complexity(): number {
    return this.#complexity
  }

  /** Bits one frame of this rung is expected to take. */
  bitsPerFrame(rung: Rung): number {
    const {width, height} = scaledSize(this.top.width, this.top.height, rung.scale)
    return this.#complexity * (width * height) ** PIXEL_EXPONENT * qualityFactor(rung.quality)
  }

  kbps(rung: Rung): number {
    return (this.bitsPerFrame(rung) * rung.fps) / 1000
  }

  /** A frame of `bytes` was encoded at `rung`. */
  observe(bytes: number, rung: Rung): void {
    const {width, height} = scaledSize(this.top.width, this.top.height, rung.scale)
    const sample = (bytes * 8) / ((width * height) ** PIXEL_EXPONENT * qualityFactor(rung.quality))
    // Learn fast at first (the starting guess may be far off), then smooth over about 30 frames.
    this.#observed++
    const weight = Math.max(1 / 30, 1 / this.#observed)
    this.#complexity += weight * (sample - this.#complexity)
  }
}
