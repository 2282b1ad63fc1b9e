/** A pair that is no token: never merged. */
export const NO_RANK = 0xffffffff;

/**
 * Byte-pair encoding of one piece, as tiktoken defines it: merge the adjacent
 * parts whose union has the lowest rank (the leftmost of equals) until no
 * union is a token. Returns the boundaries of the final parts (n+1 of them).
 *
 * Short pieces, nearly all of them, take tiktoken's own scan (quadratic, but
 * in a few bytes); longer ones a heap of pairs, so that a piece of a million
 * bytes costs O(n log n), not hours: a text is chosen by its sender.
 */
export function bytePairMerge(bytes: Uint8Array, rankOf: (start: number, end: number) => number): Uint32Array {
  return bytes.length <= SCAN_LIMIT ? scanMerge(bytes.length, rankOf) : heapMerge(bytes.length, rankOf);
}

const SCAN_LIMIT = 64;

function scanMerge(n: number, rankOf: (start: number, end: number) => number): Uint32Array {
  // parts[i] is the start of part i; ranks[i] the rank of parts i and i+1 together.
  const parts = new Uint32Array(n + 1);
  const ranks = new Uint32Array(n + 1).fill(NO_RANK);
  for (let i = 0; i <= n; i++) parts[i] = i;
  let count = n + 1;
  for (let i = 0; i + 2 < count; i++) ranks[i] = rankOf(parts[i]!, parts[i + 2]!);
  while (count > 2) {
    let min = NO_RANK;
    let at = -1;
    for (let i = 0; i + 2 < count; i++) {
      if (ranks[i]! < min) {
        min = ranks[i]!;
        at = i;
      }
    }
    if (at < 0) break;
    parts.copyWithin(at + 1, at + 2, count);
    ranks.copyWithin(at + 1, at + 2, count);
    count--;
    ranks[at] = at + 2 < count ? rankOf(parts[at]!, parts[at + 2]!) : NO_RANK;
    if (at > 0) ranks[at - 1] = rankOf(parts[at - 1]!, parts[at + 1]!);
  }
  return parts.slice(0, count);
}

/**
 * The same merges in O(n log n): parts form a linked list by start; a min-heap
 * holds each adjacent pair as (rank, start) with the end it had when pushed, and
 * a popped pair whose parts have changed since is skipped.
 */
function heapMerge(n: number, rankOf: (start: number, end: number) => number): Uint32Array {
  const next = new Uint32Array(n + 1);
  const prev = new Int32Array(n + 1);
  const alive = new Uint8Array(n + 1).fill(1);
  for (let i = 0; i <= n; i++) {
    next[i] = i + 1;
    prev[i] = i - 1;
  }
  const heap = new PairHeap(n);
  for (let i = 0; i + 2 <= n; i++) {
    const r = rankOf(i, i + 2);
    if (r !== NO_RANK) heap.push(r, i, i + 2);
  }
  while (heap.size > 0) {
    const { start, end } = heap.pop();
    const mid = next[start]!;
    if (!alive[start] || mid >= n || next[mid] !== end) continue;
    // Merge: the part at `start` absorbs the part at `mid`.
    alive[mid] = 0;
    next[start] = end;
    if (end <= n) prev[end] = start;
    if (end < n) {
      const r = rankOf(start, next[end]!);
      if (r !== NO_RANK) heap.push(r, start, next[end]!);
    }
    const before = prev[start]!;
    if (before >= 0) {
      const r = rankOf(before, end);
      if (r !== NO_RANK) heap.push(r, before, end);
    }
  }
  let count = 0;
  for (let i = 0; i < n; i = next[i]!) count++;
  const parts = new Uint32Array(count + 1);
  let k = 0;
  for (let i = 0; i < n; i = next[i]!) parts[k++] = i;
  parts[k] = n;
  return parts;
}

/** A binary min-heap of (rank, start) keys, with each pair's end alongside. */
class PairHeap {
  private keys: Float64Array;
  private ends: Uint32Array;
  size = 0;

  constructor(capacity: number) {
    this.keys = new Float64Array(Math.max(16, capacity));
    this.ends = new Uint32Array(this.keys.length);
  }

  push(rank: number, start: number, end: number): void {
    if (this.size === this.keys.length) this.grow();
    let i = this.size++;
    const key = rank * KEY_SHIFT + start;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.keys[p]! <= key) break;
      this.keys[i] = this.keys[p]!;
      this.ends[i] = this.ends[p]!;
      i = p;
    }
    this.keys[i] = key;
    this.ends[i] = end;
  }

  pop(): { start: number; end: number } {
    const key = this.keys[0]!;
    const end = this.ends[0]!;
    const lastKey = this.keys[--this.size]!;
    const lastEnd = this.ends[this.size]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= this.size) break;
      if (c + 1 < this.size && this.keys[c + 1]! < this.keys[c]!) c++;
      if (this.keys[c]! >= lastKey) break;
      this.keys[i] = this.keys[c]!;
      this.ends[i] = this.ends[c]!;
      i = c;
    }
    this.keys[i] = lastKey;
    this.ends[i] = lastEnd;
    return { start: key % KEY_SHIFT, end };
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    keys.set(this.keys);
    const ends = new Uint32Array(keys.length);
    ends.set(this.ends);
    this.keys = keys;
    this.ends = ends;
  }
}

/** rank × 2^26 + start is exact in a double: starts below 2^26 (64 MiB pieces; texts are capped far below), ranks below 2^26. */
const KEY_SHIFT = 2 ** 26;
