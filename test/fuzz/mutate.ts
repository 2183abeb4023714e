import fc from 'fast-check'

/**
 * Mutated inputs for the wire-codec fuzz targets: each run picks a valid golden frame of the codec and breaks it one
 * way (bit flips, a truncation, a length field set to an extreme, random bytes spliced in or instead), from a few
 * integers fast-check draws and shrinks. Drawing integers rather than byte arrays keeps 100,000 runs to a second or
 * so per codec; a failure still shrinks to the smallest seed, mutation and position.
 */
export interface Golden {
  /** Valid frames of the codec, each a starting point. */
  seeds: Buffer[]
  /** Where its length fields are (byte offset and size, big-endian), to set them to extremes. */
  lengthFields?: Array<{offset: number; size: 1 | 2 | 4}>
  /** Length values worth trying besides 0 and the field's maximum: the bound, one past it. */
  lengths?: number[]
}

export type Mutation = 'flip' | 'truncate' | 'length' | 'splice' | 'random' | 'concat'
const MUTATIONS: Mutation[] = ['flip', 'truncate', 'length', 'splice', 'random', 'concat']

export interface Mutated {
  input: Buffer
  /** Where to cut the input into chunks, for streaming decoders (offsets, ascending). */
  cuts: number[]
  mutation: Mutation
}

export function mutatedInputs(golden: Golden): fc.Arbitrary<Mutated> {
  return fc
    .record({seed: fc.nat({max: golden.seeds.length - 1}), mutation: fc.nat({max: MUTATIONS.length - 1}), a: fc.nat(), b: fc.nat(), c: fc.nat()})
    .map(({seed, mutation, a, b, c}) => mutate(golden, golden.seeds[seed], MUTATIONS[mutation], a, b, c))
}

function mutate(golden: Golden, seed: Buffer, mutation: Mutation, a: number, b: number, c: number): Mutated {
  const random = xorshift(a ^ (b << 7) ^ c)
  let input: Buffer
  switch (mutation) {
    case 'flip': {
      input = Buffer.from(seed)
      for (let i = 0; i <= b % 4; i++) {
        const bit = random() % (input.length * 8)
        input[bit >> 3] ^= 1 << (bit & 7)
      }

      break
    }

    case 'truncate': {
      input = seed.subarray(0, a % (seed.length + 1))
      break
    }

    case 'length': {
      input = Buffer.from(seed)
      const fields = golden.lengthFields ?? []
      if (fields.length > 0) {
        const field = fields[a % fields.length]
        const max = 2 ** (8 * field.size) - 1
        const values = [0, 1, max, max - 1, ...(golden.lengths ?? []).filter((n) => n <= max)]
        const value = values[b % values.length]
        if (field.offset + field.size <= input.length) input.writeUIntBE(value, field.offset, field.size)
      }

      break
    }

    case 'splice': {
      const at = a % (seed.length + 1)
      input = Buffer.concat([seed.subarray(0, at), randomBytes(random, b % 32), seed.subarray(at + (c % 8))])
      break
    }

    case 'random': {
      input = randomBytes(random, b % 64)
      break
    }

    case 'concat': {
      // Two frames back to back, the second broken by a flip: a decoder must still return the first.
      const second = Buffer.from(seed)
      const bit = random() % (second.length * 8)
      second[bit >> 3] ^= 1 << (bit & 7)
      input = Buffer.concat([seed, second])
      break
    }
  }

  const cuts = [...new Set(Array.from({length: c % 4}, () => random() % (input.length + 1)))].sort((x, y) => x - y)
  return {input, cuts, mutation}
}

/** The input cut into chunks at `cuts` (some may be empty). */
export function chunks({input, cuts}: Mutated): Buffer[] {
  const out: Buffer[] = []
  let from = 0
  for (const cut of [...cuts, input.length]) {
    out.push(input.subarray(from, cut))
    from = cut
  }

  return out
}

function randomBytes(random: () => number, n: number): Buffer {
  const out = Buffer.alloc(n)
  for (let i = 0; i < n; i++) out[i] = random() & 0xff
  return out
}

function xorshift(seed: number): () => number {
  let x = seed | 0 || 0x9e3779b9
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return x >>> 0
  }
}

/**
 * Buffer.alloc, allocUnsafe and allocUnsafeSlow watched while a fuzz target runs: `largest` is the biggest size asked
 * for since the last `reset`. How a target proves a hostile length never makes a decoder allocate it. (Installed once
 * per target, not per run: patching is the expensive part.)
 */
export function watchAllocations(): {reset(): void; readonly largest: number; restore(): void} {
  const originals = {alloc: Buffer.alloc, allocUnsafe: Buffer.allocUnsafe, allocUnsafeSlow: Buffer.allocUnsafeSlow}
  let largest = 0
  const watch = <F extends (size: number, ...rest: never[]) => Buffer>(original: F) =>
    ((size: number, ...rest: never[]) => {
      if (size > largest) largest = size
      return original.call(Buffer, size, ...rest)
    }) as unknown as F
  Buffer.alloc = watch(originals.alloc)
  Buffer.allocUnsafe = watch(originals.allocUnsafe)
  Buffer.allocUnsafeSlow = watch(originals.allocUnsafeSlow)
  return {
    reset: () => void (largest = 0),
    get largest() {
      return largest
    },
    restore: () => void Object.assign(Buffer, originals),
  }
}

/**
 * One fuzz target: FUZZ_RUNS mutations of `golden`, each given to `property` (which throws on a broken invariant),
 * none allowed to allocate a buffer over `maxAllocation` bytes (or what it says for that input).
 */
export function fuzzCodec(golden: Golden, maxAllocation: number | ((mutated: Mutated) => number), property: (mutated: Mutated) => void): void {
  const allocations = watchAllocations()
  const stackTraceLimit = Error.stackTraceLimit
  // Most bad inputs make an Error: without stacks, 100,000 of them take a second, not ten.
  Error.stackTraceLimit = 0
  try {
    fc.assert(
      fc.property(mutatedInputs(golden), (mutated) => {
        allocations.reset()
        property(mutated)
        const bound = typeof maxAllocation === 'number' ? maxAllocation : maxAllocation(mutated)
        check(allocations.largest <= bound, () => `allocated ${allocations.largest} bytes (bound ${bound})`)
      }),
      {numRuns: FUZZ_RUNS},
    )
  } finally {
    allocations.restore()
    Error.stackTraceLimit = stackTraceLimit
  }
}

/** A fuzz invariant: plain, since vitest's expect costs more than the decoding it checks. */
export function check(ok: boolean, what: () => string): void {
  if (!ok) throw new Error(what())
}

/** 100,000 runs a target (issue 14); IVC_FUZZ_RUNS to try more locally. */
export const FUZZ_RUNS = Number(process.env.IVC_FUZZ_RUNS ?? 100_000)

/**
 * A target takes one to three seconds of CPU; this bound (a safety net, not a measure) leaves room for a host whose
 * two cores are busy with other work.
 */
export const FUZZ_TIMEOUT_MS = 180_000

/**
 * What a codec may do with bad input is part of its contract: `kinds` names the documented outcomes, and `classify`
 * maps one result (or thrown error) to its kind, throwing on anything undocumented. When result shapes change, only
 * a target's `classify` changes.
 */
export function onlyDocumented<K extends string>(kind: K | undefined, allowed: readonly K[], what: unknown): void {
  if (kind === undefined || !allowed.includes(kind)) throw new Error(`undocumented outcome ${String(kind)}: ${describe(what)}`)
}

export function describe(what: unknown): string {
  if (what instanceof Error) return `${what.name}: ${what.message}`
  try {
    return JSON.stringify(what)?.slice(0, 300) ?? String(what)
  } catch {
    return String(what)
  }
}
