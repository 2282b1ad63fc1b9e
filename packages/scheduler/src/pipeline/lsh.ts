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
 * The bands of many signatures, added one at a time in any order, kept as one 32-bit hash a band
 * (not the signatures): what finding candidates needs, in 4 × bands bytes a document. Two
 * documents whose hashes agree on a band are candidates; a hash collision only adds a candidate,
 * which the caller measures like any other.
 */
export class LshIndex {
  readonly bands: number;
  readonly rows: number;
  private readonly hashes: Uint32Array;
  private readonly has: Uint8Array;

  constructor(readonly size: number, numPerm: number, threshold: number) {
    ({ bands: this.bands, rows: this.rows } = bandsFor(numPerm, threshold));
    this.hashes = new Uint32Array(size * this.bands);
    this.has = new Uint8Array(size);
  }

  /** Document i's signature (numPerm values). */
  add(i: number, signature: ArrayLike<number>): void {
    for (let b = 0; b < this.bands; b++) this.hashes[i * this.bands + b] = murmur(signature, b * this.rows, (b + 1) * this.rows, b);
    this.has[i] = 1;
  }

  /** Every pair (i < j) that agrees on some band, once, in order. */
  candidates(): Array<[number, number]> {
    const n = this.size;
    const seen = new Set<number>();
    const next = new Int32Array(n);
    for (let b = 0; b < this.bands; b++) {
      // Buckets as chains: the last document of each hash, and from each document the one before it.
      const last = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        if (!this.has[i]) continue;
        const h = this.hashes[i * this.bands + b]!;
        next[i] = last.get(h) ?? -1;
        last.set(h, i);
      }
      for (const head of last.values()) {
        if (next[head] === -1) continue;
        for (let j = head; j !== -1; j = next[j]!) for (let i = next[j]!; i !== -1; i = next[i]!) seen.add(i * n + j);
      }
    }
    return [...seen].sort((a, b) => a - b).map((k) => [Math.floor(k / n), k % n]);
  }
}

/** The clusters (components of two or more) that pairs join, each in order, ordered by their first. */
export function clustersOf(pairs: ReadonlyArray<readonly [number, number, ...unknown[]]>): number[][] {
  const parent = new Map<number, number>();
  const find = (i: number): number => {
    const p = parent.get(i) ?? i;
    if (p === i) return i;
    const root = find(p);
    parent.set(i, root);
    return root;
  };
  for (const [i, j] of pairs) parent.set(find(i), find(j));
  const groups = new Map<number, Set<number>>();
  for (const [i, j] of pairs) {
    const g = groups.get(find(i)) ?? groups.set(find(i), new Set()).get(find(i))!;
    g.add(i).add(j);
  }
  return [...groups.values()].map((g) => [...g].sort((a, b) => a - b)).sort((a, b) => a[0]! - b[0]!);
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
  const index = new LshIndex(signatures.length, numPerm, threshold);
  signatures.forEach((s, i) => s && index.add(i, s));
  const pairs: Array<[number, number, number]> = [];
  for (const [i, j] of index.candidates()) {
    const jac = similarity ? similarity(i, j) : estimatedJaccard(signatures[i]!, signatures[j]!);
    if (jac >= threshold) pairs.push([i, j, jac]);
  }
  return { pairs, clusters: clustersOf(pairs) };
}

/** A sequence's shingles as DESIGN.md defines them: every window of `size` tokens, or the whole sequence when shorter. */
export function shingleSet(tokens: ArrayLike<number>, size: number): Set<string> {
  const out = new Set<string>();
  const t = Array.from(tokens);
  if (t.length > 0 && t.length < size) out.add(t.join(','));
  for (let i = 0; i + size <= t.length; i++) out.add(t.slice(i, i + size).join(','));
  return out;
}

/**
 * A sequence's shingles (as shingleSet) as sorted, distinct 52-bit hashes: an eighth of the
 * memory of the set of strings. Two distinct shingles share a hash with odds of 2^-52, so the
 * Jaccard of two of these is, in practice, the exact one.
 */
export function shingleHashes(tokens: ArrayLike<number>, size: number): Float64Array {
  const n = tokens.length;
  const windows = n === 0 ? 0 : n < size ? 1 : n - size + 1;
  const width = Math.min(n, size);
  const out = new Float64Array(windows);
  for (let s = 0; s < windows; s++) out[s] = murmur(tokens, s, s + width, 0) * 2 ** 20 + (murmur(tokens, s, s + width, 0x9747b28c) >>> 12);
  out.sort();
  let k = 0;
  for (let s = 0; s < windows; s++) if (s === 0 || out[s] !== out[k - 1]) out[k++] = out[s]!;
  return out.subarray(0, k);
}

/** MurmurHash3 (32-bit) of the words from..to, unsigned. */
function murmur(words: ArrayLike<number>, from: number, to: number, seed: number): number {
  let h = seed;
  for (let i = from; i < to; i++) {
    let k = Math.imul(words[i]! >>> 0, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
  }
  h ^= (to - from) * 4;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Jaccard similarity of two sorted, distinct arrays (as shingleHashes gives). */
export function sortedJaccard(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let both = 0;
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    if (a[i] === b[j]) {
      both++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  const union = a.length + b.length - both;
  return union ? both / union : 0;
}

/** Exact Jaccard similarity of two sets. */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let both = 0;
  for (const x of a) if (b.has(x)) both++;
  const union = a.size + b.size - both;
  return union ? both / union : 0;
}
