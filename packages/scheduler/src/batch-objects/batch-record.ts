import type { Redis } from 'ioredis';
import type { OpSpec } from '@nightshift/proto';
import type { BatchKeys } from './batch-keys.js';

export const BATCH_STATES = ['UPLOADING', 'VALIDATING', 'QUEUED', 'DEFERRED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type BatchState = (typeof BATCH_STATES)[number];
export const FINAL_BATCH_STATES: ReadonlySet<BatchState> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** A batch object's record as stored (the `meta` hash), parsed. */
export interface BatchRecord {
  id: string;
  tenant: string;
  state: BatchState;
  spec: OpSpec;
  priority: number;
  labels: Record<string, string>;
  idempotencyKey: string;
  maxAttempts: number;
  maxCost: number;
  /** ms since the epoch; 0: none. */
  deadline: number;
  items: number;
  /** Planning windows committed. */
  windows: number;
  tokens: number;
  units: number;
  unitsDone: number;
  unitsReleased: number;
  succeeded: number;
  failed: number;
  cached: number;
  duplicates: number;
  paddedTokens: number;
  paddedDone: number;
  cost: number;
  /** The admitted quote (whole batch): window, class, seconds, price. */
  quote?: { window: string; workerClass: string; seconds: number; price: number; modelError: number; modelBatches: number };
  plannedWindow: string;
  /** Where its units run: on-demand workers, or spot workers (a batch placed in a spot window). */
  pool: 'on-demand' | 'spot';
  /** Times spot workers handed a unit of it back. */
  preemptions: number;
  plannedStart: number;
  placement: string;
  eta: number;
  error: string;
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  /** When its upload last stored items (its creation, before any). */
  touchedAt: number;
  /** Items may still be uploaded (a batch that declared its size runs while they come). */
  open: boolean;
  /** The size its header declared (0: none): it was admitted at its header, from these. */
  declaredItems: number;
  declaredTokens: number;
  /** Its reservation has been trued up to what was uploaded (a batch that declared its size, once closed). */
  trued: boolean;
  /** The padded tokens its quote was for: a unit's share of the reservation is its part of these. */
  quotePadded: number;
}

const num = (v: string | undefined): number => (v ? Number(v) : 0);

export function parseBatch(h: Record<string, string>): BatchRecord | undefined {
  if (!h.state || !h.spec) return undefined;
  return {
    id: h.id ?? '',
    tenant: h.tenant ?? '',
    state: h.state as BatchState,
    spec: JSON.parse(h.spec) as OpSpec,
    priority: num(h.priority),
    labels: h.labels ? (JSON.parse(h.labels) as Record<string, string>) : {},
    idempotencyKey: h.idempotencyKey ?? '',
    maxAttempts: num(h.maxAttempts),
    maxCost: num(h.maxCost),
    deadline: num(h.deadline),
    items: num(h.items),
    windows: num(h.planned),
    tokens: num(h.tokens),
    units: num(h.units),
    unitsDone: num(h.unitsDone),
    unitsReleased: num(h.released),
    succeeded: num(h.succeeded),
    failed: num(h.failed),
    cached: num(h.cached),
    duplicates: num(h.duplicates),
    paddedTokens: num(h.paddedTokens),
    paddedDone: num(h.paddedDone),
    cost: num(h.cost),
    ...(h.quote ? { quote: JSON.parse(h.quote) as BatchRecord['quote'] } : {}),
    plannedWindow: h.plannedWindow ?? '',
    pool: h.pool === 'spot' ? 'spot' : 'on-demand',
    preemptions: num(h.preemptions),
    plannedStart: num(h.plannedStart),
    placement: h.placement ?? '',
    eta: num(h.eta),
    error: h.error ?? '',
    createdAt: num(h.createdAt),
    startedAt: num(h.startedAt),
    finishedAt: num(h.finishedAt),
    touchedAt: num(h.touchedAt) || num(h.createdAt),
    // Records from before the field: open while UPLOADING.
    open: h.open === undefined ? h.state === 'UPLOADING' : h.open === '1',
    declaredItems: num(h.declaredItems),
    declaredTokens: num(h.declaredTokens),
    trued: h.trued === '1',
    quotePadded: num(h.quotePadded) || num(h.paddedTokens),
  };
}

/** Admitted at its header (it declared its size), its upload closed, and its reservation not yet trued up to what was uploaded. */
export function awaitsTrueUp(b: BatchRecord): boolean {
  return b.declaredItems > 0 && !b.open && !b.trued;
}

/** When the batch should finish: the admission's plan until a unit has run, then what is left at the pace so far (by padded tokens). */
export function batchEta(b: BatchRecord, now: number): number {
  if (b.state !== 'RUNNING' || b.paddedDone <= 0 || b.startedAt <= 0) return b.eta;
  const rate = b.paddedDone / Math.max(1, now - b.startedAt);
  return Math.round(now + (b.paddedTokens - b.paddedDone) / rate);
}

/** Moves the batch from one of ARGV[1] (comma-separated) to ARGV[2] with the fields ARGV[3…]; 1 when moved. KEYS: meta. */
const MOVE = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return -1 end
local ok = false
for s in string.gmatch(ARGV[1], '[^,]+') do if s == state then ok = true end end
if not ok then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[2], unpack(ARGV, 3))
return 1
`;

/**
 * Counts unit ARGV[1]'s results once (stored before, under KEYS[3]): a unit run again (its
 * dispatcher died after this) changes nothing. Counts its items, adds its cost, and moves the batch
 * on: RUNNING at its first unit, SUCCEEDED at its last (unless cancelled meanwhile: a cancelled
 * batch keeps the results it got; one that declared its size finishes at its true-up). KEYS: meta, done, results, unit. ARGV: unit, (unused), succeeded,
 * failed, cost, padded, now. {counted (0|1), finished (0|1)}.
 */
const SETTLE = `
if redis.call('SETBIT', KEYS[2], ARGV[1], 1) == 1 then return {0, 0} end
redis.call('DEL', KEYS[4])
redis.call('HINCRBY', KEYS[1], 'succeeded', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'failed', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'paddedDone', ARGV[6])
if tonumber(ARGV[5]) > 0 then redis.call('HINCRBYFLOAT', KEYS[1], 'cost', ARGV[5]) end
local done = redis.call('HINCRBY', KEYS[1], 'unitsDone', 1)
local m = redis.call('HMGET', KEYS[1], 'state', 'units', 'open', 'declaredItems', 'trued')
if m[1] == 'QUEUED' then redis.call('HSET', KEYS[1], 'state', 'RUNNING', 'startedAt', ARGV[7]) m[1] = 'RUNNING' end
-- A batch that declared its size finishes at its true-up (FINISH), so that its quote is always trued.
local sized = tonumber(m[4] or '0') == 0 or m[5] == '1'
if m[1] == 'RUNNING' and m[3] ~= '1' and sized and done >= tonumber(m[2]) then
  redis.call('HSET', KEYS[1], 'state', 'SUCCEEDED', 'finishedAt', ARGV[7])
  return {1, 1}
end
return {1, 0}
`;

/**
 * Lets more units of a QUEUED or RUNNING batch go to the workers: up to ARGV[1] ahead of those
 * done. {from, to}: the units released now (from = to: none). KEYS: meta.
 */
const RELEASE = `
local m = redis.call('HMGET', KEYS[1], 'state', 'units', 'unitsDone', 'released')
if m[1] ~= 'QUEUED' and m[1] ~= 'RUNNING' then return {0, 0} end
local units, done, released = tonumber(m[2] or '0'), tonumber(m[3] or '0'), tonumber(m[4] or '0')
local want = math.min(units, done + tonumber(ARGV[1]))
if released >= want then return {released, released} end
redis.call('HSET', KEYS[1], 'released', want)
return {released, want}
`;

/**
 * Finishes a batch whose upload has closed and whose every unit is done: a batch that declared
 * its size, at its true-up (its units may all have run before). KEYS: meta. ARGV: now. 1 when finished.
 */
const FINISH = `
local m = redis.call('HMGET', KEYS[1], 'state', 'units', 'unitsDone', 'open')
local units = tonumber(m[2] or '0')
-- A deferred batch with nothing to run (every item from the cache) need not wait for its window.
local live = m[1] == 'QUEUED' or m[1] == 'RUNNING' or (m[1] == 'DEFERRED' and units == 0)
if not live or m[4] == '1' or tonumber(m[3] or '0') < units then return 0 end
if m[1] ~= 'RUNNING' then redis.call('HSET', KEYS[1], 'startedAt', ARGV[1]) end
redis.call('HSET', KEYS[1], 'state', 'SUCCEEDED', 'finishedAt', ARGV[1])
return 1
`;

/** A batch object's record and its moves, each one script under the batch's tag. */
export class BatchStore {
  constructor(
    readonly redis: Redis,
    readonly keys: BatchKeys,
  ) {}

  async get(id: string): Promise<BatchRecord | undefined> {
    return parseBatch(await this.redis.hgetall(this.keys.meta(id)));
  }

  /** The batch, if it is `tenant`'s (another tenant's batch is as good as missing). */
  async getOf(tenant: string, id: string): Promise<BatchRecord | undefined> {
    const b = await this.get(id);
    return b?.tenant === tenant ? b : undefined;
  }

  async move(id: string, from: readonly BatchState[], to: BatchState, fields: Record<string, string | number> = {}): Promise<boolean> {
    const moved = (await this.redis.eval(MOVE, 1, this.keys.meta(id), from.join(','), to, ...Object.entries(fields).flat())) === 1;
    if (moved && FINAL_BATCH_STATES.has(to)) await this.retire(id);
    return moved;
  }

  /**
   * A final batch leaves the active set for the retired one, where the sweeper finds it once its
   * retention is over. (Not in the move's script: the sets are under no batch's tag. A crash between
   * them leaves a final batch in the active set, which the sweeper retires.)
   */
  async retire(id: string, at = Date.now()): Promise<void> {
    await this.redis.multi().zadd(this.keys.retired(), at, id).zrem(this.keys.active(), id).exec();
  }

  /** Batches retired before `before`, oldest first (at most `limit`). */
  async retiredBefore(before: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.retired(), '-inf', before, 'LIMIT', 0, limit);
  }

  /**
   * Removes every key of a retired batch: its record, windows, units, results; its idempotency key
   * and its place in its tenant's list. What is left of a reservation was released when it ended.
   */
  async purge(id: string): Promise<void> {
    const h = await this.redis.hmget(this.keys.meta(id), 'tenant', 'idempotencyKey', 'planned', 'units');
    const [tenant, key] = [h[0], h[1]];
    const windows = Number(h[2] ?? 0);
    const units = Number(h[3] ?? 0);
    const k = this.keys;
    const all = [
      k.meta(id), k.done(id), k.planner(id),
      ...Array.from({ length: windows }, (_, w) => [k.window(id, w), k.cached(id, w)]).flat(),
      ...Array.from({ length: units }, (_, u) => [k.unit(id, u), k.results(id, u)]).flat(),
    ];
    for (let i = 0; i < all.length; i += 500) await this.redis.unlink(...all.slice(i, i + 500));
    if (tenant) {
      // The key is let go only if it still names this batch.
      if (key && (await this.redis.get(k.idempotency(tenant, key))) === id) await this.redis.unlink(k.idempotency(tenant, key));
      await this.redis.zrem(k.list(tenant), id);
    }
    await this.redis.zrem(k.retired(), id);
  }

  async settle(id: string, unit: number, r: { results: Buffer; succeeded: number; failed: number; cost: number; padded: number }): Promise<{ stored: boolean; finished: boolean }> {
    const k = this.keys;
    // A plain SET (no copy into a script); a unit run twice stores the same results twice.
    await this.redis.set(k.results(id, unit), r.results);
    const out = (await this.redis.eval(
      SETTLE, 4, k.meta(id), k.done(id), k.results(id, unit), k.unit(id, unit),
      unit, '', r.succeeded, r.failed, r.cost, r.padded, Date.now(),
    )) as [number, number];
    if (out[1] === 1) await this.retire(id);
    return { stored: out[0] === 1, finished: out[1] === 1 };
  }

  /** SUCCEEDED if its upload is closed and every unit done (see FINISH); true when it finished now. */
  async finishIfDone(id: string, now = Date.now()): Promise<boolean> {
    const finished = (await this.redis.eval(FINISH, 1, this.keys.meta(id), now)) === 1;
    if (finished) await this.retire(id);
    return finished;
  }

  async release(id: string, ahead: number): Promise<{ from: number; to: number }> {
    const [from, to] = (await this.redis.eval(RELEASE, 1, this.keys.meta(id), ahead)) as [number, number];
    return { from, to };
  }

  /** Which units have their results stored, read at once (a bit a unit, first bit the high one, as Redis numbers them). */
  async doneUnits(id: string): Promise<(unit: number) => boolean> {
    const bits = (await this.redis.getBuffer(this.keys.done(id))) ?? Buffer.alloc(0);
    return (u) => u >> 3 < bits.length && (bits[u >> 3]! & (0x80 >> (u & 7))) !== 0;
  }

  /** Every batch not yet final, all tenants (the newest `limit`, when given), oldest first. */
  async active(limit?: number): Promise<string[]> {
    return this.redis.zrange(this.keys.active(), limit ? -limit : 0, -1);
  }
}
