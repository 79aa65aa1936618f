/**
 * Levenshtein distance, two-row dynamic programming. Strings whose lengths differ by
 * more than 64 get the difference, a lower bound: callers only compare small distances,
 * and a megabyte-long token from a file must not cost length × length.
 */
export function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 64) return Math.abs(a.length - b.length);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Folds case and separators so `RTX-4090`, `rtx_4090` and `rtx 4090` compare equal. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[\s_\-/.]+/g, '');
}

const MAX_TYPO_LENGTH = 128;

/**
 * The candidates nearest to `wanted`, best first. A candidate that contains the
 * typed text (or makes up at least half of it) counts as close, so `r1` suggests every R1.
 */
export function closest(wanted: string, candidates: readonly string[], limit = 3): string[] {
  // No typo is longer than this; the distance costs length × length per candidate.
  const key = normalizeName(wanted.slice(0, MAX_TYPO_LENGTH));
  const scored = [...new Set(candidates)].map((candidate) => {
    const other = normalizeName(candidate);
    const distance = editDistance(key, other);
    // A short candidate inside a long typo (`-n` inside `tensorparalellsize`) is chance, not closeness.
    const contains = key.length > 0 && (other.includes(key) || (other.length >= Math.max(3, key.length / 2) && key.includes(other)));
    return { candidate, score: contains ? Math.min(distance, 1) : distance };
  });
  scored.sort((x, y) => x.score - y.score || x.candidate.localeCompare(y.candidate));
  return scored.slice(0, limit).map((s) => s.candidate);
}
