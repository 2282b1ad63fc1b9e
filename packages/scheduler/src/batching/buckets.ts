/**
 * Length buckets: jobs are only batched with jobs of the same bucket, so that
 * a 200-token job never pads out to 8,000. A bucket is named by its upper
 * bound; the last one is open-ended.
 */

export interface BucketBounds {
  /** Inclusive upper bounds, strictly increasing; lengths above the last go to the open bucket. */
  upper: readonly number[];
}

/** Geometric steps from `first` (doubling by `ratio`) up to `max`: the default boundaries. */
export function geometricBounds(first = 64, max = 65_536, ratio = 2): BucketBounds {
  if (!(first >= 1 && ratio > 1 && max >= first)) throw new RangeError('geometricBounds: need first ≥ 1, ratio > 1, max ≥ first');
  const upper: number[] = [];
  for (let b = first; b < max; b = Math.ceil(b * ratio)) upper.push(b);
  upper.push(max);
  return { upper };
}

/** The bucket a length falls in: the index of the first bound at or above it (upper.length for the open bucket). */
export function bucketIndex(bounds: BucketBounds, length: number): number {
  let lo = 0;
  let hi = bounds.upper.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (bounds.upper[mid]! >= length) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** A bucket's name, stable across boundary changes that keep its bound: "le512", or "gt65536" for the open one. */
export function bucketName(bounds: BucketBounds, index: number): string {
  return index < bounds.upper.length ? `le${bounds.upper[index]}` : `gt${bounds.upper.at(-1) ?? 0}`;
}

/**
 * Padding if every job padded to its bucket's upper bound: the worst case within a bucket, and
 * what the boundaries can control. Lengths above the last bound count as unpadded (they run alone
 * or with their like).
 */
export function paddingBound(bounds: BucketBounds, lengths: readonly number[]): { real: number; padded: number } {
  let real = 0;
  let padded = 0;
  for (const n of lengths) {
    const i = bucketIndex(bounds, n);
    real += n;
    padded += i < bounds.upper.length ? bounds.upper[i]! : n;
  }
  return { real, padded };
}

/**
 * Padding if every job padded to the longest job of its bucket: how two sets of boundaries are
 * compared on one sample. Unlike paddingBound, a few jobs just past a bound do not count as
 * padded to the next (perhaps open-ended) bound, so a comparison is not swayed by the tail.
 */
export function paddingToLongest(bounds: BucketBounds, lengths: readonly number[]): number {
  const longest = new Map<number, number>();
  const count = new Map<number, number>();
  let real = 0;
  for (const n of lengths) {
    const i = bucketIndex(bounds, n);
    longest.set(i, Math.max(longest.get(i) ?? 0, n));
    count.set(i, (count.get(i) ?? 0) + 1);
    real += n;
  }
  let padded = 0;
  for (const [i, c] of count) padded += c * longest.get(i)!;
  return padded - real;
}

/**
 * Boundaries that minimize paddingBound for the observed lengths with `count` buckets: an exact
 * dynamic program over the distinct lengths (each bound sits on an observed length, which is
 * optimal, since moving a bound down to the longest length under it only removes padding).
 * `max` is always the last bound, so that every length the system accepts has a closed bucket.
 */
export function adaptiveBounds(lengths: readonly number[], count: number, max: number): BucketBounds {
  const hist = new Map<number, number>();
  for (const n of lengths) if (n >= 1 && n <= max) hist.set(n, (hist.get(n) ?? 0) + 1);
  const values = [...hist.keys()].sort((a, b) => a - b);
  if (values.length === 0 || count <= 1) return { upper: [max] };
  if (values.at(-1) !== max) values.push(max), hist.set(max, hist.get(max) ?? 0);
  const m = values.length;
  // prefix counts and sums over the sorted distinct lengths
  const cnt = new Float64Array(m + 1);
  const sum = new Float64Array(m + 1);
  for (let i = 0; i < m; i++) {
    cnt[i + 1] = cnt[i]! + hist.get(values[i]!)!;
    sum[i + 1] = sum[i]! + hist.get(values[i]!)! * values[i]!;
  }
  // cost(i, j): lengths values[i..j] padded to values[j]
  const cost = (i: number, j: number) => (cnt[j + 1]! - cnt[i]!) * values[j]! - (sum[j + 1]! - sum[i]!);
  const k = Math.min(count, m);
  // best[b][j]: least cost covering values[0..j] with b + 1 buckets, the last ending at j
  let prev = Float64Array.from({ length: m }, (_, j) => cost(0, j));
  const cuts: Int32Array[] = [new Int32Array(m).fill(-1)];
  for (let b = 1; b < k; b++) {
    const cur = new Float64Array(m).fill(Infinity);
    const cut = new Int32Array(m).fill(-1);
    for (let j = b; j < m; j++) {
      for (let i = b - 1; i < j; i++) {
        const c = prev[i]! + cost(i + 1, j);
        if (c < cur[j]!) {
          cur[j] = c;
          cut[j] = i;
        }
      }
    }
    prev = cur;
    cuts.push(cut);
  }
  const upper: number[] = [];
  for (let b = k - 1, j = m - 1; b >= 0; b--) {
    upper.push(values[j]!);
    j = cuts[b]![j]!;
    if (j < 0) break;
  }
  return { upper: upper.reverse() };
}
