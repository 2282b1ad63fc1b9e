import { endianness } from 'node:os';
import { packLe32, unpackLe32, viewLe32 } from '@nightshift/proto';

// Words are written in place where the host is little-endian (all Node runs on in practice); converted elsewhere.
const LE = endianness() === 'LE';

/*
 * The packed values a batch object keeps in Redis besides its uploaded chunks: units (items sent
 * to a worker together), their results, and planning windows (where each item's result is). All
 * are little-endian 32-bit words from a 4-byte aligned start, so each part decodes in one copy.
 */

/**
 * A unit: n items of one planning window, sorted by length and cut into kernel batches (segments:
 * batch k is items [segments[k], segments[k+1])); item k is window item indices[k], and copies[k]
 * later items of the batch are identical to it (they take its outcome).
 */
export interface UnitItems {
  offsets: Uint32Array;
  segments: Uint32Array;
  indices: Uint32Array;
  copies: Uint32Array;
  tokens: Uint32Array;
}

/**
 * n | s | offsets[0 … n] | segments[0 … s] | indices[0 … n − 1] | copies[0 … n − 1] | tokens …
 * in one allocation: `fill` writes the tokens, as little-endian bytes, into their place
 * (offsets[n] words). (A large buffer allocated afresh is page faults: one a unit, not three.)
 */
export function encodeUnit(u: Omit<UnitItems, 'tokens'>, fill: (tokenBytes: Uint8Array) => void): Buffer {
  const n = u.indices.length;
  const s = u.segments.length - 1;
  const headWords = unitHeadWords(n, s);
  const out = Buffer.allocUnsafe(4 * (headWords + u.offsets[n]!));
  const head = new Uint32Array(headWords);
  head[0] = n;
  head[1] = s;
  head.set(u.offsets, 2);
  head.set(u.segments, n + 3);
  head.set(u.indices, n + s + 4);
  head.set(u.copies, 2 * n + s + 4);
  out.set(LE ? new Uint8Array(head.buffer) : packLe32(head), 0);
  fill(out.subarray(4 * headWords));
  return out;
}

function unitHeadWords(n: number, s: number): number {
  return 2 + (n + 1) + (s + 1) + 2 * n;
}

/** A unit over its bytes' memory where it can be (see viewLe32): the bytes must outlive it. */
export function decodeUnit(bytes: Uint8Array): UnitItems {
  const words = viewLe32(bytes, 'u32') as Uint32Array;
  const n = words[0] ?? 0;
  const s = words[1] ?? 0;
  const head = unitHeadWords(n, s);
  if (words.length < head) throw new RangeError(`a unit of ${n} items is cut short`);
  const offsets = words.subarray(2, n + 3);
  const tokens = words.subarray(head);
  if (tokens.length !== offsets[n]) throw new RangeError(`a unit of ${offsets[n]} tokens holds ${tokens.length}`);
  return {
    offsets, segments: words.subarray(n + 3, n + s + 4), indices: words.subarray(n + s + 4, 2 * n + s + 4), copies: words.subarray(2 * n + s + 4, head), tokens,
  };
}

/** Where a unit's tokens sit in its encoding, to send them without a copy. */
export function unitTokenBytes(bytes: Buffer): Buffer {
  const n = bytes.readUInt32LE(0);
  const s = bytes.readUInt32LE(4);
  return bytes.subarray(4 * unitHeadWords(n, s));
}

/** The outcomes of n items: results back to back (an item that failed has an empty one and an error). */
export interface ItemResults {
  kind: 'u32' | 'f32';
  offsets: Uint32Array;
  values: Uint32Array | Float32Array;
  failed: Uint32Array;
  errors: string[];
  /** What running them cost (US dollars): shared by the items run, equally unless `segments` says otherwise. */
  cost: number;
  /**
   * The unit's kernel batches: batch k is items [ends[k − 1], ends[k]) and cost costs[k] (its share
   * of the unit's measured seconds), shared equally by its items: a long item's batch costs more.
   */
  segments?: { ends: Uint32Array; costs: Float64Array };
}

/** What each item's run cost: its kernel batch's cost over that batch's items, or the unit's cost over its items. */
export function itemCosts(r: ItemResults): Float64Array {
  const n = r.offsets.length - 1;
  const out = new Float64Array(n);
  const s = r.segments;
  if (!s || s.ends.length === 0 || s.ends[s.ends.length - 1] !== n) return out.fill(n ? r.cost / n : 0);
  let from = 0;
  s.ends.forEach((end, k) => {
    out.fill(end > from ? s.costs[k]! / (end - from) : 0, from, end);
    from = end;
  });
  return out;
}

/**
 * Each kernel batch's share of a unit's cost, by its measured seconds; undefined when the worker
 * did not measure them all (the cost is then shared equally).
 */
export function segmentCosts(cost: number, segments: Uint32Array, seconds: readonly number[]): ItemResults['segments'] {
  const s = segments.length - 1;
  const total = seconds.reduce((a, x) => a + x, 0);
  if (s < 1 || seconds.length !== s || !(total > 0) || seconds.some((x) => !(x >= 0))) return undefined;
  return { ends: segments.slice(1), costs: Float64Array.from(seconds, (x) => (cost * x) / total) };
}

const HEAD = 5;

/**
 * n | kind | failures | cost (float64) | offsets[0 … n] | failed[…] | errorEnds[…] | values … | errors (UTF-8)
 * | then, if the cost is shared by kernel batch: s | ends[0 … s) | costs[0 … s) (float64). (The batches
 * come last, so that a result's place does not depend on them: see resultRange.)
 */
export function encodeResults(r: ItemResults): Buffer {
  const n = r.offsets.length - 1;
  const f = r.failed.length;
  const errors = Buffer.from(r.errors.join(''), 'utf8');
  const head = new Uint32Array(HEAD + (n + 1) + 2 * f);
  head[0] = n;
  head[1] = r.kind === 'u32' ? 0 : 1;
  head[2] = f;
  new DataView(head.buffer).setFloat64(12, r.cost, true);
  head.set(r.offsets, HEAD);
  head.set(r.failed, HEAD + n + 1);
  let end = 0;
  r.errors.forEach((e, i) => (head[HEAD + n + 1 + f + i] = end += Buffer.byteLength(e, 'utf8')));
  const parts = [packLe32(head), packLe32(r.values), errors];
  if (r.segments) {
    const k = r.segments.ends.length;
    const table = Buffer.allocUnsafe(4 + 12 * k);
    table.writeUInt32LE(k, 0);
    r.segments.ends.forEach((e, i) => table.writeUInt32LE(e, 4 + 4 * i));
    r.segments.costs.forEach((c, i) => table.writeDoubleLE(c, 4 + 4 * k + 8 * i));
    parts.push(table);
  }
  return Buffer.concat(parts);
}

/**
 * The bytes that begin encodeResults(r) for results without failures (n, kind, no failure): such a
 * layout is fixed by the items (a unit run again stores its results where the first run did), so
 * resultRange says where each result lies. undefined when r has failures.
 */
export function resultsGuard(r: ItemResults): Buffer | undefined {
  if (r.failed.length > 0) return undefined;
  const guard = Buffer.alloc(12);
  guard.writeUInt32LE(r.offsets.length - 1, 0);
  guard.writeUInt32LE(r.kind === 'u32' ? 0 : 1, 4);
  return guard;
}

/** Where item i's result lies in encodeResults(r), r without failures (see resultsGuard). */
export function resultRange(r: ItemResults, i: number): { start: number; length: number } {
  return { start: (HEAD + r.offsets.length + r.offsets[i]!) * 4, length: (r.offsets[i + 1]! - r.offsets[i]!) * 4 };
}

export function decodeResults(bytes: Uint8Array): ItemResults {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0, true);
  const kind = view.getUint32(4, true) === 0 ? 'u32' : 'f32';
  const f = view.getUint32(8, true);
  const cost = view.getFloat64(12, true);
  const headWords = HEAD + (n + 1) + 2 * f;
  const head = unpackLe32(bytes.subarray(0, headWords * 4), 'u32') as Uint32Array;
  const offsets = head.subarray(HEAD, HEAD + n + 1);
  const failed = head.subarray(HEAD + n + 1, HEAD + n + 1 + f);
  const valuesEnd = (headWords + offsets[n]!) * 4;
  const values = viewLe32(bytes.subarray(headWords * 4, valuesEnd), kind);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + valuesEnd, bytes.byteLength - valuesEnd);
  const errors: string[] = [];
  let from = 0;
  for (let i = 0; i < f; i++) {
    const to = head[HEAD + n + 1 + f + i]!;
    errors.push(text.toString('utf8', from, to));
    from = to;
  }
  const out: ItemResults = { kind, offsets, values, failed, errors, cost };
  // Results stored before kernel batches were kept end at their errors: their cost is shared equally.
  if (text.length >= from + 4) {
    const k = text.readUInt32LE(from);
    if (text.length >= from + 4 + 12 * k) {
      const ends = new Uint32Array(k);
      const costs = new Float64Array(k);
      for (let i = 0; i < k; i++) {
        ends[i] = text.readUInt32LE(from + 4 + 4 * i);
        costs[i] = text.readDoubleLE(from + 4 + 4 * k + 8 * i);
      }
      out.segments = { ends, costs };
    }
  }
  return out;
}

/** Where an item's result is: in a unit of its window, a copy of an earlier item's, or cached. */
export const DUPLICATE = 0xffff_ffff;
export const CACHED = 0xffff_fffe;

/**
 * A planning window: items [first, first + count) of the upload, cut into units [unitFrom, unitTo).
 * Item i's result is at (where[2i], where[2i+1]): (unit − unitFrom, position), (DUPLICATE, the
 * earlier window item it equals), or (CACHED, its index in the window's cached results).
 */
export interface PlanWindow {
  first: number;
  unitFrom: number;
  unitTo: number;
  where: Uint32Array;
  customIds: string[];
}

/** count | first | unitFrom | unitTo | where[0 … 2·count) | idEnds[0 … count) | ids (UTF-8) */
export function encodeWindow(w: PlanWindow): Buffer {
  const count = w.customIds.length;
  const ids = w.customIds.map((s) => Buffer.from(s, 'utf8'));
  const head = new Uint32Array(4 + 3 * count);
  head.set([count, w.first, w.unitFrom, w.unitTo]);
  head.set(w.where, 4);
  let end = 0;
  ids.forEach((b, i) => (head[4 + 2 * count + i] = end += b.length));
  return Buffer.concat([packLe32(head), ...ids]);
}

export function decodeWindow(bytes: Uint8Array): PlanWindow {
  const count = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  const head = unpackLe32(bytes.subarray(0, (4 + 3 * count) * 4), 'u32') as Uint32Array;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + head.byteLength, bytes.byteLength - head.byteLength);
  const customIds = new Array<string>(count);
  let from = 0;
  for (let i = 0; i < count; i++) {
    const to = head[4 + 2 * count + i]!;
    customIds[i] = text.toString('utf8', from, to);
    from = to;
  }
  return { first: head[1]!, unitFrom: head[2]!, unitTo: head[3]!, where: head.subarray(4, 4 + 2 * count), customIds };
}
