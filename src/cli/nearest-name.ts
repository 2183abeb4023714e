/**
 * The known name closest to a mistyped one ("lisen" → "listen", "--fsp" → "fps"), for "did you mean" hints. Close
 * means at most a third of the letters changed (edit distance, at least 1), or the typed text is the start of exactly
 * one name; ties go to the first name given, so callers list the likelier ones first.
 */
export function nearestName(typed: string, names: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(typed.length / 3))
  let best: {name: string; distance: number} | undefined
  for (const name of names) {
    const distance = editDistance(typed, name)
    if (distance <= limit && (!best || distance < best.distance)) best = {name, distance}
  }

  if (best) return best.name
  const prefixed = names.filter((name) => typed.length >= 2 && name.startsWith(typed))
  return prefixed.length === 1 ? prefixed[0] : undefined
}

/** Levenshtein distance: insertions, deletions and substitutions, plus a swap of two neighbours as one edit. */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({length: a.length + 1}, (_, i) => [i, ...Array.from({length: b.length}, () => 0)])
  for (let j = 1; j <= b.length; j++) rows[0][j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1)
    }
  }

  return rows[a.length][b.length]
}
