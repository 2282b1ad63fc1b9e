import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { BatchKeys } from './batch-keys.js';
import type { BatchState } from './batch-record.js';
import { CACHED, decodeResults, decodeWindow, DUPLICATE, itemCosts, type ItemResults, type PlanWindow } from './unit-codec.js';

/** One item's outcome as GetBatchResults sends it. */
export interface ItemOutcome {
  index: number;
  customId: string;
  result?: Uint32Array | Float32Array;
  kind?: 'u32' | 'f32';
  error?: string;
  cost: number;
  cached: boolean;
}

export interface ReadOptions {
  /** Most items a yielded group holds. */
  group: number;
  /** How often to look again for units not yet done, ms. */
  pollMs: number;
  signal?: AbortSignal;
}

const STOPPED: ReadonlySet<string> = new Set(['CANCELLED', 'FAILED']);

/**
 * Reads a batch's results in input order, a planning window at a time: the window's record says
 * where each item's result is (a unit, an identical earlier item, the cache), and the window's
 * unit results are read as they are stored. An item whose unit has not run yet is waited for;
 * once the batch is cancelled or failed, it is reported as not run. Memory holds one window.
 */
export class BatchResultsReader {
  constructor(
    private readonly redis: Redis,
    private readonly keys: BatchKeys,
  ) {}

  async *read(id: string, from: number, opts: ReadOptions): AsyncGenerator<ItemOutcome[]> {
    let w = 0;
    let index = from;
    for (;;) {
      const meta = await this.meta(id);
      if (index >= meta.items && meta.planned) return;
      if (w >= meta.windows) {
        if (STOPPED.has(meta.state) || meta.planned) return;
        await this.wait(opts);
        continue;
      }
      const bytes = await this.redis.getBuffer(this.keys.window(id, w));
      if (!bytes) throw new Error(`batch ${id}: window ${w} is missing`);
      const win = decodeWindow(bytes);
      const end = win.first + win.customIds.length;
      w++;
      if (index >= end) continue;
      yield* this.readWindow(id, w - 1, win, index, opts);
      index = end;
    }
  }

  private async *readWindow(id: string, w: number, win: PlanWindow, from: number, opts: ReadOptions): AsyncGenerator<ItemOutcome[]> {
    const units = new Map<number, Stored>();
    const cachedBytes = await this.redis.getBuffer(this.keys.cached(id, w));
    const cached = cachedBytes ? stored(decodeResults(cachedBytes)) : undefined;
    const count = win.customIds.length;
    let group: ItemOutcome[] = [];
    for (let local = from - win.first; local < count; local++) {
      let at = local;
      if (win.where[2 * at] === DUPLICATE) at = win.where[2 * at + 1]!;
      const u = win.where[2 * at]!;
      const pos = win.where[2 * at + 1]!;
      let r: Stored | undefined;
      const isCached = u === CACHED;
      if (isCached) r = cached;
      else {
        r = units.get(u);
        while (!r) {
          const stored = await this.loadUnits(id, win, units);
          r = units.get(u);
          if (r) break;
          if (group.length) {
            yield group;
            group = [];
          }
          if (stored === 'stopped') {
            r = undefined;
            break;
          }
          await this.wait(opts);
        }
        if (!r) {
          group.push({ index: win.first + local, customId: win.customIds[local]!, error: 'not run: the batch was stopped before this item ran', cost: 0, cached: false });
          continue;
        }
      }
      const item = outcomeOf(r!, pos, win.first + local, win.customIds[local]!, at !== local || isCached);
      item.cached = isCached && item.error === undefined;
      group.push(item);
      if (group.length >= opts.group) {
        yield group;
        group = [];
      }
    }
    if (group.length) yield group;
  }

  /** Reads the window's units stored since the last look; 'stopped' once none will come. */
  private async loadUnits(id: string, win: PlanWindow, into: Map<number, Stored>): Promise<'more' | 'stopped'> {
    const missing: number[] = [];
    for (let u = 0; u < win.unitTo - win.unitFrom; u++) if (!into.has(u)) missing.push(u);
    const values = missing.length ? await this.redis.mgetBuffer(...missing.map((u) => this.keys.results(id, win.unitFrom + u))) : [];
    missing.forEach((u, i) => {
      const v = values[i];
      if (v) into.set(u, stored(decodeResults(v)));
    });
    if (into.size === win.unitTo - win.unitFrom) return 'more';
    const state = await this.redis.hget(this.keys.meta(id), 'state');
    return !state || STOPPED.has(state) ? 'stopped' : 'more';
  }

  private async meta(id: string): Promise<{ state: BatchState; items: number; windows: number; planned: boolean }> {
    const [state, items, planned, open] = await this.redis.hmget(this.keys.meta(id), 'state', 'items', 'planned', 'open');
    const s = (state ?? 'FAILED') as BatchState;
    // Once the upload is closed, every window is planned (a batch that declared its size runs while it is open).
    const closed = open === null ? s !== 'UPLOADING' : open !== '1' || STOPPED.has(s);
    return { state: s, items: Number(items ?? 0), windows: Number(planned ?? 0), planned: closed };
  }

  private async wait(opts: ReadOptions): Promise<void> {
    await sleep(opts.pollMs, undefined, opts.signal ? { signal: opts.signal } : {});
  }
}

/** A unit's results as read, with its failures and each item's cost share by position. */
type Stored = ItemResults & { failedAt: Map<number, string>; costAt: Float64Array };

function stored(r: ItemResults): Stored {
  return Object.assign(r, { failedAt: new Map(Array.from(r.failed, (p, i) => [p, r.errors[i]!])), costAt: itemCosts(r) });
}

/** Item p of stored results; a copy (duplicate or cached) costs nothing. */
function outcomeOf(r: Stored, p: number, index: number, customId: string, free: boolean): ItemOutcome {
  const error = r.failedAt.get(p);
  const cost = free ? 0 : r.costAt[p]!;
  if (error !== undefined) return { index, customId, error, cost, cached: false };
  return { index, customId, result: r.values.subarray(r.offsets[p]!, r.offsets[p + 1]!), kind: r.kind, cost, cached: false };
}
