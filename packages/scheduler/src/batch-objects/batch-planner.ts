import type { Redis } from 'ioredis';
import type { OpName } from '@nightshift/proto';
import { predictSeconds, type ModelSource } from '../pricing/index.js';
import { decodeItemChunk, type ItemChunk } from './item-chunk.js';
import { planUnits, type UnitLimits } from './unit-plan.js';
import { encodeUnit, encodeWindow, DUPLICATE } from './unit-codec.js';
import type { BatchKeys } from './batch-keys.js';

/** How much of a batch is sorted and cut into units at once. */
export interface PlanLimits {
  /** Items a planning window holds at most (whole chunks; a chunk alone may pass it). */
  windowItems: number;
  /** Token bytes a planning window holds at most. */
  windowBytes: number;
  unit: UnitLimits;
}

/** What planning found: totals over every window. */
export interface PlanTotals {
  units: number;
  items: number;
  duplicates: number;
  realTokens: number;
  paddedTokens: number;
  /** Predicted worker-seconds of all the units on each worker class. */
  seconds: Record<string, number>;
}

/**
 * Commits one planning window, if the batch is planned up to exactly window ARGV[1]: its units and
 * its window record, and the record's running totals. A planner that lost its lock (another took
 * over) finds the window committed and stops. Returns 1 when committed.
 * KEYS: meta, window, units… ARGV: w, nextChunk, units, items, duplicates, real, padded, classes (n, name, seconds…), window, units…
 */
const COMMIT = `
if tonumber(redis.call('HGET', KEYS[1], 'planned') or '0') ~= tonumber(ARGV[1]) then return 0 end
if redis.call('HGET', KEYS[1], 'state') ~= 'VALIDATING' then return 0 end
redis.call('HSET', KEYS[1], 'planned', ARGV[1] + 1, 'plannedChunks', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'units', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'plannedItems', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'duplicates', ARGV[5])
redis.call('HINCRBY', KEYS[1], 'realTokens', ARGV[6])
redis.call('HINCRBY', KEYS[1], 'paddedTokens', ARGV[7])
local n = tonumber(ARGV[8])
for i = 1, n do redis.call('HINCRBYFLOAT', KEYS[1], 'seconds:' .. ARGV[7 + 2 * i], ARGV[8 + 2 * i]) end
local a = 9 + 2 * n
redis.call('SET', KEYS[2], ARGV[a])
for k = 3, #KEYS do redis.call('SET', KEYS[k], ARGV[a + k - 2]) end
return 1
`;

/**
 * Cuts a closed upload into units, a planning window at a time: a window's chunks are read,
 * identical items found (each computed once), the rest sorted by length and cut into units
 * (planUnits), and the units written, each with its items' tokens in order, so that running a
 * unit reads one value. The window's chunks are then deleted: Redis holds a batch's tokens once.
 * Memory holds one window. Resumable: each window commits at once with the totals, and a planner
 * that starts again (after a crash) goes on from the first window not committed.
 */
export class BatchPlanner {
  constructor(
    private readonly redis: Redis,
    private readonly keys: BatchKeys,
    private readonly models: ModelSource,
    private readonly classes: () => readonly string[],
  ) {}

  async plan(id: string, op: OpName, limits: PlanLimits): Promise<PlanTotals> {
    const m = await this.redis.hgetall(this.keys.meta(id));
    const chunks = Number(m.chunks ?? 0);
    let w = Number(m.planned ?? 0);
    let k = Number(m.plannedChunks ?? 0);
    let unit = Number(m.units ?? 0);
    let first = Number(m.plannedItems ?? 0);
    while (k < chunks) {
      const { loaded, next } = await this.loadWindow(id, k, chunks, limits);
      const made = this.cut(loaded, op, limits.unit);
      const unitKeys = made.units.map((_, i) => this.keys.unit(id, unit + i));
      const classes = Object.entries(made.seconds).flat().map(String);
      const window = encodeWindow({ first, unitFrom: unit, unitTo: unit + made.units.length, where: made.where, customIds: loaded.flatMap((c) => c.customIds) });
      const committed = await this.redis.eval(
        COMMIT, 2 + unitKeys.length, this.keys.meta(id), this.keys.window(id, w), ...unitKeys,
        w, next, made.units.length, made.items, made.duplicates, made.realTokens, made.paddedTokens, classes.length / 2, ...classes, window, ...made.units,
      );
      if (committed !== 1) throw new Error(`batch ${id}: planning window ${w} was committed by another planner`);
      // Their items now live in the units.
      await this.redis.unlink(...Array.from({ length: next - k }, (_, i) => this.keys.items(id, k + i)));
      unit += made.units.length;
      first += made.items;
      w++;
      k = next;
    }
    const t = await this.redis.hgetall(this.keys.meta(id));
    const seconds: Record<string, number> = {};
    for (const [f, v] of Object.entries(t)) if (f.startsWith('seconds:')) seconds[f.slice(8)] = Number(v);
    return {
      units: Number(t.units ?? 0), items: Number(t.plannedItems ?? 0), duplicates: Number(t.duplicates ?? 0),
      realTokens: Number(t.realTokens ?? 0), paddedTokens: Number(t.paddedTokens ?? 0), seconds,
    };
  }

  /** Chunks from k while the window has room (at least one); all read in one round trip. */
  private async loadWindow(id: string, k: number, chunks: number, limits: PlanLimits): Promise<{ loaded: ItemChunk[]; next: number }> {
    const loaded: ItemChunk[] = [];
    let items = 0;
    let bytes = 0;
    let next = k;
    // Read a few chunks ahead at a time: a chunk holds at most 4096 items and 1 MiB.
    while (next < chunks) {
      const ahead = Math.min(chunks - next, 8);
      const raw = await this.redis.mgetBuffer(...Array.from({ length: ahead }, (_, i) => this.keys.items(id, next + i)));
      for (const b of raw) {
        if (!b) throw new Error(`batch ${id}: chunk ${next} is missing`);
        const c = decodeItemChunk(b);
        const n = c.customIds.length;
        if (loaded.length > 0 && (items + n > limits.windowItems || bytes + c.tokens.byteLength > limits.windowBytes)) return { loaded, next };
        loaded.push(c);
        items += n;
        bytes += c.tokens.byteLength;
        next++;
      }
    }
    return { loaded, next };
  }

  /** One window's items: duplicates set aside, the rest cut into units, each encoded. */
  private cut(loaded: ItemChunk[], op: OpName, limits: UnitLimits) {
    const views: Uint32Array[] = [];
    for (const c of loaded) for (let i = 0; i < c.customIds.length; i++) views.push(c.tokens.subarray(c.offsets[i]!, c.offsets[i + 1]!));
    const n = views.length;
    const where = new Uint32Array(2 * n);
    const unique: number[] = [];
    const copies = new Uint32Array(n);
    const seen = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const h = hashTokens(views[i]!);
      const same = seen.get(h);
      // Items crafted to share a hash are compared with a few at most: never quadratic.
      const earlier = same?.find((j) => equal(views[j]!, views[i]!));
      if (earlier !== undefined) {
        where[2 * i] = DUPLICATE;
        where[2 * i + 1] = earlier;
        copies[earlier]!++;
        continue;
      }
      if (!same) seen.set(h, [i]);
      else if (same.length < MAX_SAME_HASH) same.push(i);
      unique.push(i);
    }
    const plan = planUnits(unique.map((i) => views[i]!.length), limits);
    const models = this.classes().map((c) => ({ c, model: this.models.current(op, c) }));
    const seconds: Record<string, number> = Object.fromEntries(models.map(({ c }) => [c, 0]));
    const units = plan.units.map((u, ui) => {
      const size = u.to - u.from;
      const indices = new Uint32Array(size);
      const unitCopies = new Uint32Array(size);
      const offsets = new Uint32Array(size + 1);
      for (let p = 0; p < size; p++) {
        const i = unique[plan.order[u.from + p]!]!;
        indices[p] = i;
        unitCopies[p] = copies[i]!;
        offsets[p + 1] = offsets[p]! + views[i]!.length;
        where[2 * i] = ui;
        where[2 * i + 1] = p;
      }
      const tokens = new Uint32Array(offsets[size]!);
      for (let p = 0; p < size; p++) tokens.set(views[indices[p]!]!, offsets[p]!);
      for (const { c, model } of models) seconds[c]! += predictSeconds(model, { paddedTokens: u.paddedTokens, maxLength: u.longest });
      return encodeUnit({ offsets, indices, copies: unitCopies, tokens });
    });
    return { units, where, items: n, duplicates: n - unique.length, realTokens: plan.realTokens, paddedTokens: plan.paddedTokens, seconds };
  }
}

const MAX_SAME_HASH = 8;

/** FNV-1a over the tokens' words: a cheap first look; equal hashes are compared in full. */
function hashTokens(t: Uint32Array): number {
  let h = 0x811c9dc5 ^ t.length;
  for (let i = 0; i < t.length; i++) h = Math.imul(h ^ t[i]!, 0x01000193);
  return h >>> 0;
}

function equal(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
