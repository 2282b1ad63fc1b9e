/**
 * Near-duplicates from MinHash signatures by LSH banding: signatures are cut
 * into `bands` bands of `rows` values; documents that agree on a whole band
 * are candidates, and a candidate pair is kept when its estimated Jaccard
 * similarity (the share of equal values) reaches the threshold.
 */

/**
 * Bands and rows for `numPerm` values: the most rows per band (the fewest
 * false candidates) that still make a pair at `threshold` a candidate in 99%
 * of cases. Every candidate is then checked against the threshold, so a
 * false candidate costs a check, while a missed pair is never seen again.
 */
export function bandsFor(numPerm: number, threshold: number, recall = 0.99): { bands: number; rows: number } {
  let best = { bands: numPerm, rows: 1 };
  for (let rows = 1; rows <= numPerm; rows++) {
    const bands = Math.floor(numPerm / rows);
    if (1 - (1 - threshold ** rows) ** bands >= recall) best = { bands, rows };
  }
  return best;
}

/** The share of positions where two signatures agree: an unbiased estimate of Jaccard similarity. */
export function estimatedJaccard(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return a.length ? same / a.length : 0;
}

/**
 * Pairs (i < j) at or above `threshold`, and the clusters they join (components of two or more).
 * Candidates come from the bands; each is then measured by `similarity` when given (the exact
 * Jaccard, from data the caller holds), else estimated from the signatures.
 */
export function nearDuplicates(
  signatures: ReadonlyArray<ArrayLike<number> | undefined>,
  threshold: number,
  similarity?: (i: number, j: number) => number,
): { pairs: Array<[number, number, number]>; clusters: number[][] } {
  const numPerm = signatures.find((s) => s)?.length ?? 0;
  if (!numPerm) return { pairs: [], clusters: [] };
  const { bands, rows } = bandsFor(numPerm, threshold);
  const seen = new Set<string>();
  const pairs: Array<[number, number, number]> = [];
  for (let b = 0; b < bands; b++) {
    const buckets = new Map<string, number[]>();
    signatures.forEach((s, i) => {
      if (!s) return;
      const key = Array.prototype.slice.call(s, b * rows, (b + 1) * rows).join(',');
      const list = buckets.get(key);
      if (list) list.push(i);
      else buckets.set(key, [i]);
    });
    for (const list of buckets.values()) {
      for (let x = 0; x < list.length; x++) {
        for (let y = x + 1; y < list.length; y++) {
          const [i, j] = [list[x]!, list[y]!];
          const k = `${i},${j}`;
          if (seen.has(k)) continue;
          seen.add(k);
          const jac = similarity ? similarity(i, j) : estimatedJaccard(signatures[i]!, signatures[j]!);
          if (jac >= threshold) pairs.push([i, j, jac]);
        }
      }
    }
  }
  // Union-find over the kept pairs.
  const parent = signatures.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  for (const [i, j] of pairs) parent[find(i)] = find(j);
  const groups = new Map<number, number[]>();
  for (const [i, j] of pairs) for (const x of [i, j]) groups.set(find(x), [...new Set([...(groups.get(find(x)) ?? []), x])]);
  const clusters = [...groups.values()].map((g) => g.sort((a, b) => a - b)).sort((a, b) => a[0]! - b[0]!);
  return { pairs: pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]), clusters };
}

/** A sequence's shingles as DESIGN.md defines them: every window of `size` tokens, or the whole sequence when shorter. */
export function shingleSet(tokens: ArrayLike<number>, size: number): Set<string> {
  const out = new Set<string>();
  const t = Array.from(tokens);
  if (t.length > 0 && t.length < size) out.add(t.join(','));
  for (let i = 0; i + size <= t.length; i++) out.add(t.slice(i, i + size).join(','));
  return out;
}

/** Exact Jaccard similarity of two sets. */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let both = 0;
  for (const x of a) if (b.has(x)) both++;
  const union = a.size + b.size - both;
  return union ? both / union : 0;
}
