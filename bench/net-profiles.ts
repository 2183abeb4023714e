// The link profiles of `npm run bench:net`: what the a → b direction (sender → receiver) allows over time.
export interface LinkPhase {
  atS: number
  /** kbit/s; undefined = unlimited. */
  rateKbit: number | undefined
}

export interface LinkProfile {
  name: string
  durationS: number
  phases: LinkPhase[]
  /** When the link steps down (for "time back under the bound"). */
  stepDownAtS?: number
  stepUpAtS?: number
}

export const PROFILES: LinkProfile[] = [
  {name: 'unlimited', durationS: 12, phases: [{atS: 0, rateKbit: undefined}]},
  {name: '2mbit', durationS: 15, phases: [{atS: 0, rateKbit: 2000}]},
  {
    name: 'step-8-1.5-8',
    durationS: 40,
    phases: [
      {atS: 0, rateKbit: 8000},
      {atS: 10, rateKbit: 1500},
      {atS: 20, rateKbit: 8000},
    ],
    stepDownAtS: 10,
    stepUpAtS: 20,
  },
]

export const STRATEGIES = ['gcc', 'seed', 'off'] as const

/**
 * The codecs of a run: JPEG and PCM (every ivc has them; the ladder's three strategies are about JPEG), and H.264 and
 * Opus, whose encoder follows gcc's target (issue 18), so they run with gcc alone.
 */
export const CODECS = [
  {name: 'jpeg+pcm', video: 'jpeg', audio: 'pcm', strategies: STRATEGIES},
  {name: 'h264+opus', video: 'h264', audio: 'opus', strategies: ['gcc']},
  {name: 'vp8+opus', video: 'vp8', audio: 'opus', strategies: ['gcc']},
] as const satisfies ReadonlyArray<{name: string; video: string; audio: string; strategies: readonly string[]}>

export type Codecs = (typeof CODECS)[number]
export const MAX_LATENCY_MS = 150

/** Apply each phase of `profile` at its time, from now on; resolves when the last has been applied. */
export async function playProfile(profile: LinkProfile, apply: (rateKbit: number | undefined) => Promise<void>, signal?: AbortSignal): Promise<void> {
  const start = Date.now()
  for (const phase of profile.phases) {
    const wait = start + phase.atS * 1000 - Date.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    if (signal?.aborted) return
    await apply(phase.rateKbit)
  }
}
