import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { OpName } from '@nightshift/proto';
import { predictSeconds, type ModelSource } from '../pricing/index.js';
import { tokenCount, type Item } from './item.js';
import { planUnits, type Unit, type UnitLimits } from './unit-plan.js';
import { CACHED, encodeResults, encodeUnit, encodeWindow, DUPLICATE, type ItemResults } from './unit-codec.js';
import type { BatchKeys } from './batch-keys.js';

/** How many uploaded items are sorted and cut at once, into kernel batches and units. */
export interface PlanLimits {
  /** Items a planning window holds at most. */
  windowItems: number;
  /** Token bytes a planning window holds at most (a single larger item is a window alone). */
  windowBytes: number;
  /** A kernel batch's items and padded tokens at most, and what one more costs, in padded tokens. */
  batch: UnitLimits;
  /** A unit's items and padded tokens at most, all its kernel batches together. */
  unit: { maxItems: number; maxPaddedTokens: number };
}

/** What planning has found so far: totals over every window committed. */
export interface PlanTotals {
  items: number;
  units: number;
  duplicates: number;
  tokens: number;
  paddedTokens: number;
  /** Predicted worker-seconds of all the units on each worker class. */
  seconds: Record<string, number>;
}

/** A window cut into units, ready to commit. */
export interface PlannedWindow {
  /** Where it was planned to go: after `first` items and `unitFrom` units. */
  first: number;
  unitFrom: number;
  items: number;
  units: Buffer[];
  window: Buffer;
  duplicates: number;
  tokens: number;
  paddedTokens: number;
  seconds: Record<string, number>;
  /** Items whose result came from the cache (copies of them included), items refused before running, and their outcomes (in the window's order of them). */
  cached: number;
  refused: number;
  cachedResults?: Buffer;
}

/** A result as the cache holds it. */
export type CachedResult = Uint32Array | Float32Array;

/**
 * The outcomes a window settles itself, stored as a unit's results are (they cost nothing): results
 * from the cache, and the errors of items refused before they run.
 */
function packWindowResults(outcomes: ReadonlyArray<CachedResult | string>): ItemResults {
  const kind = outcomes.some((r) => r instanceof Float32Array) ? 'f32' : 'u32';
  const offsets = new Uint32Array(outcomes.length + 1);
  outcomes.forEach((r, i) => (offsets[i + 1] = offsets[i]! + (typeof r === 'string' ? 0 : r.length)));
  const values = kind === 'u32' ? new Uint32Array(offsets[outcomes.length]!) : new Float32Array(offsets[outcomes.length]!);
  const failed: number[] = [];
  const errors: string[] = [];
  outcomes.forEach((r, i) => {
    if (typeof r === 'string') {
      failed.push(i);
      errors.push(r);
    } else values.set(r, offsets[i]!);
  });
  return { kind, offsets, values, failed: Uint32Array.from(failed), errors, cost: 0 };
}

/**
 * Commits planning window ARGV[1], if the upload is open (a batch admitted at its header runs while
 * it is) and holds exactly ARGV[2] items: its units,
 * its record and its cached results (staged under temporary keys, renamed here: a rename moves a
 * value without copying it, where a script's argument would be copied into Lua), and the running
 * totals. A window sent twice (by a client's dead stream and the one that resumed it) is refused,
 * its staged values dropped; the reply says where the upload stands.
 * KEYS: meta, then pairs (staged, final) for the window, the cached results ('' staged: none) and
 * each unit. ARGV: w, first, items, units, duplicates, tokens, padded, cached, refused, classes (n, name, seconds…).
 * {1 | 0 | -1 (closed), items, windows}
 */
const COMMIT = `
local m = redis.call('HMGET', KEYS[1], 'state', 'items', 'planned', 'open')
local items, planned = tonumber(m[2] or '0'), tonumber(m[3] or '0')
local final = m[1] == 'SUCCEEDED' or m[1] == 'FAILED' or m[1] == 'CANCELLED'
local open = not final and (m[4] == '1' or (not m[4] and m[1] == 'UPLOADING'))
local ok = open and items == tonumber(ARGV[2]) and planned == tonumber(ARGV[1])
for k = 2, #KEYS, 2 do
  if redis.call('EXISTS', KEYS[k]) == 1 then
    if ok then
      redis.call('RENAME', KEYS[k], KEYS[k + 1])
      redis.call('PERSIST', KEYS[k + 1])
    else
      redis.call('DEL', KEYS[k])
    end
  end
end
if not open then return {-1, items, planned} end
if not ok then return {0, items, planned} end
local now = redis.call('TIME')
redis.call('HSET', KEYS[1], 'planned', planned + 1, 'items', items + tonumber(ARGV[3]), 'touchedAt', now[1] * 1000 + math.floor(now[2] / 1000))
redis.call('HINCRBY', KEYS[1], 'units', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'duplicates', ARGV[5])
redis.call('HINCRBY', KEYS[1], 'tokens', ARGV[6])
redis.call('HINCRBY', KEYS[1], 'paddedTokens', ARGV[7])
if tonumber(ARGV[8]) > 0 then
  redis.call('HINCRBY', KEYS[1], 'cached', ARGV[8])
  redis.call('HINCRBY', KEYS[1], 'succeeded', ARGV[8])
end
if tonumber(ARGV[9]) > 0 then redis.call('HINCRBY', KEYS[1], 'failed', ARGV[9]) end
local n = tonumber(ARGV[10])
for i = 1, n do redis.call('HINCRBYFLOAT', KEYS[1], 'seconds:' .. ARGV[9 + 2 * i], ARGV[10 + 2 * i]) end
return {1, items + tonumber(ARGV[3]), planned + 1}
`;

/** How long a staged value lives if its commit never comes (a scheduler killed between the two). */
const STAGED_SECONDS = 3600;

const MAX_SAME_HASH = 8;

/** Consecutive kernel batches, as many to a unit as its item and padded-token limits take (a batch alone may pass them). */
function groupBatches(batches: readonly Unit[], limits: PlanLimits['unit']): Unit[][] {
  const out: Unit[][] = [];
  let group: Unit[] = [];
  let items = 0;
  let padded = 0;
  for (const b of batches) {
    const size = b.to - b.from;
    if (group.length > 0 && (items + size > limits.maxItems || padded + b.paddedTokens > limits.maxPaddedTokens)) {
      out.push(group);
      group = [];
      items = 0;
      padded = 0;
    }
    group.push(b);
    items += size;
    padded += b.paddedTokens;
  }
  if (group.length) out.push(group);
  return out;
}

/**
 * Cuts an upload into units as it arrives, a planning window at a time: identical items found
 * (each computed once), the rest sorted by length and cut into units (planUnits), each unit
 * written with its items' tokens in order, so that running it reads one value. A window commits
 * at once with the batch's running totals; the items of committed windows are what the upload
 * has stored, and what a resumed upload skips. Tokens pass through the scheduler and Redis once.
 */
export class BatchPlanner {
  constructor(
    private readonly redis: Redis,
    private readonly keys: BatchKeys,
    private readonly models: ModelSource,
    private readonly classes: () => readonly string[],
  ) {}

  /** Window `first … first + items.length` of the upload, cut into units numbered from `unitFrom`. */
  /** `cached[i]`: item i's result from the result cache, if it was there; such an item runs nowhere. */
  plan(items: readonly Item[], first: number, unitFrom: number, op: OpName, limits: Pick<PlanLimits, 'batch' | 'unit'>, cached: ReadonlyArray<CachedResult | undefined> = []): PlannedWindow {
    const n = items.length;
    const where = new Uint32Array(2 * n);
    const unique: number[] = [];
    const hits: number[] = [];
    // What the window settles itself: results from the cache, errors of refused items.
    const settled: Array<CachedResult | string> = [];
    let refused = 0;
    const copies = new Uint32Array(n);
    const seen = new Map<number, number[]>();
    let tokens = 0;
    for (let i = 0; i < n; i++) {
      const why = items[i]!.refused;
      if (why !== undefined) {
        where[2 * i] = CACHED;
        where[2 * i + 1] = settled.length;
        settled.push(why);
        refused++;
        continue;
      }
      const t = items[i]!.bytes;
      tokens += t.byteLength >>> 2;
      const h = hashTokens(t);
      const same = seen.get(h);
      // Items crafted to share a hash are compared with a few at most: never quadratic.
      const earlier = same?.find((j) => sameBytes(items[j]!.bytes, t));
      if (earlier !== undefined) {
        where[2 * i] = DUPLICATE;
        where[2 * i + 1] = earlier;
        copies[earlier]!++;
        continue;
      }
      if (!same) seen.set(h, [i]);
      else if (same.length < MAX_SAME_HASH) same.push(i);
      const hit = cached[i];
      if (hit) {
        where[2 * i] = CACHED;
        where[2 * i + 1] = settled.length;
        settled.push(hit);
        hits.push(i);
        continue;
      }
      unique.push(i);
    }
    // Items from the cache, and the copies of them, are done already.
    let fromCache = hits.length;
    for (const i of hits) fromCache += copies[i]!;
    // Kernel batches of near-equal lengths (little padding), then as many of them to a unit as fit.
    const plan = planUnits(unique.map((i) => tokenCount(items[i]!)), limits.batch);
    const models = this.classes().map((c) => ({ c, model: this.models.current(op, c) }));
    const seconds: Record<string, number> = Object.fromEntries(models.map(({ c }) => [c, 0]));
    for (const b of plan.units) for (const { c, model } of models) seconds[c]! += predictSeconds(model, { paddedTokens: b.paddedTokens, maxLength: b.longest });
    const units = groupBatches(plan.units, limits.unit).map((group, ui) => {
      const from = group[0]!.from;
      const size = group.at(-1)!.to - from;
      const segments = Uint32Array.from([...group.map((b) => b.from - from), size]);
      const indices = new Uint32Array(size);
      const unitCopies = new Uint32Array(size);
      const offsets = new Uint32Array(size + 1);
      for (let p = 0; p < size; p++) {
        const i = unique[plan.order[from + p]!]!;
        indices[p] = i;
        unitCopies[p] = copies[i]!;
        offsets[p + 1] = offsets[p]! + tokenCount(items[i]!);
        where[2 * i] = ui;
        where[2 * i + 1] = p;
      }
      return encodeUnit({ offsets, segments, indices, copies: unitCopies }, (into) => {
        for (let p = 0; p < size; p++) into.set(items[indices[p]!]!.bytes, 4 * offsets[p]!);
      });
    });
    const window = encodeWindow({ first, unitFrom, unitTo: unitFrom + units.length, where, customIds: items.map((it) => it.customId) });
    const windowResults = settled.length ? encodeResults(packWindowResults(settled)) : undefined;
    return {
      first, unitFrom, items: n, units, window, duplicates: n - unique.length - hits.length - refused, tokens, paddedTokens: plan.paddedTokens, seconds,
      cached: fromCache, refused, ...(windowResults ? { cachedResults: windowResults } : {}),
    };
  }

  /** Stores planned window `w` if the upload holds exactly `p.first` items; else where it stands. */
  async commit(id: string, w: number, p: PlannedWindow): Promise<{ stored: boolean; open: boolean; items: number; windows: number }> {
    // Staged first, each value a plain SET (Redis keeps a large argument as the value itself), then renamed by the script.
    const stage = randomUUID();
    const values: Array<[string, Buffer]> = [
      [this.keys.window(id, w), p.window],
      ...(p.cachedResults ? [[this.keys.cached(id, w), p.cachedResults] as [string, Buffer]] : []),
      ...p.units.map((u, i) => [this.keys.unit(id, p.unitFrom + i), u] as [string, Buffer]),
    ];
    const staged = values.map(([key]) => `${key}:staged:${stage}`);
    // Sent one by one, not as a pipeline: a pipeline copies all its commands into one more buffer.
    await Promise.all(values.map(([, value], i) => this.redis.set(staged[i]!, value, 'EX', STAGED_SECONDS)));
    const classes = Object.entries(p.seconds).flat().map(String);
    const pairs = values.flatMap(([key], i) => [staged[i]!, key]);
    const r = (await this.redis.eval(
      COMMIT, 1 + pairs.length, this.keys.meta(id), ...pairs,
      w, p.first, p.items, p.units.length, p.duplicates, p.tokens, p.paddedTokens, p.cached, p.refused, classes.length / 2, ...classes,
    )) as [number, number, number];
    return { stored: r[0] === 1, open: r[0] !== -1, items: r[1], windows: r[2] };
  }

  /**
   * What a batch of `size.items` items and `size.tokens` tokens should take on each worker class,
   * its lengths not yet known (a declared size): kernel batches of items at the mean length, as
   * full as the limits allow. Exact where lengths are equal; the close prices the real lengths.
   */
  estimate(op: OpName, size: { items: number; tokens: number }, limits: UnitLimits): { seconds: Record<string, number>; paddedTokens: number } {
    const mean = Math.max(1, Math.ceil(size.tokens / Math.max(1, size.items)));
    const per = Math.max(1, Math.min(limits.maxItems, Math.floor(limits.maxPaddedTokens / mean)));
    const full = Math.floor(size.items / per);
    const rest = size.items - full * per;
    const seconds: Record<string, number> = {};
    for (const c of this.classes()) {
      const model = this.models.current(op, c);
      seconds[c] = full * predictSeconds(model, { paddedTokens: per * mean, maxLength: mean }) + (rest > 0 ? predictSeconds(model, { paddedTokens: rest * mean, maxLength: mean }) : 0);
    }
    return { seconds, paddedTokens: size.items * mean };
  }

  async totals(id: string): Promise<PlanTotals> {
    const t = await this.redis.hgetall(this.keys.meta(id));
    const seconds: Record<string, number> = {};
    for (const [f, v] of Object.entries(t)) if (f.startsWith('seconds:')) seconds[f.slice(8)] = Number(v);
    return {
      items: Number(t.items ?? 0), units: Number(t.units ?? 0), duplicates: Number(t.duplicates ?? 0),
      tokens: Number(t.tokens ?? 0), paddedTokens: Number(t.paddedTokens ?? 0), seconds,
    };
  }
}

/**
 * FNV-1a over the length and at most 256 of the token ids (little-endian words), spread over the
 * item: a cheap first look (equal hashes are compared in full), a few hundred steps however long the item.
 */
function hashTokens(b: Uint8Array): number {
  const n = b.byteLength >>> 2;
  let h = 0x811c9dc5 ^ n;
  const step = Math.max(1, Math.floor(n / 256));
  for (let i = 0; i < n; i += step) h = Math.imul(h ^ (b[4 * i]! | (b[4 * i + 1]! << 8) | (b[4 * i + 2]! << 16) | (b[4 * i + 3]! << 24)), 0x01000193);
  return h >>> 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;
}
