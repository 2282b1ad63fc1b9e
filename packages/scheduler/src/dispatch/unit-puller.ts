import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { throttled, toOpParams, viewLe32, type Logger, type PackedOutcomes__Output } from '@nightshift/proto';
import { predictSeconds, type BatchShape, type Billing, type CostModels } from '../pricing/index.js';
import type { Pool } from '../queueing/index.js';
import {
  awaitsTrueUp, decodeUnit, encodeResults, resultRange, resultsGuard, segmentCosts, unitTokenBytes, UNIT_QUEUES,
  type BatchLedger, type BatchRecord, type BatchStore, type ItemResults, type UnitItems, type UnitJobData, type UnitQueue,
} from '../batch-objects/index.js';
import type { LockKeeper } from './lock-keeper.js';
import type { CacheEntry, ResultCache } from '../cache/index.js';
import type { SlotBid, WorkerPool, WorkerSlot } from './worker-pool.js';
import type { FairShare } from '../fairness/index.js';

type UnitJob = Job<UnitJobData>;

export interface UnitPullerOptions {
  /** The workers this puller sends to, and so the queue it takes units from. */
  pool: Pool;
  /** A unit handed back by spot workers more often than this falls back to on-demand workers. */
  maxPreemptions: number;
  backoffMs: number;
  prefix: string;
  lockMs: number;
  maxStalledCount: number;
  batchTimeoutMs: number;
  billing: Billing;
  /** The tenant's budget period now, where a unit's cost is charged. */
  periodOf: (tenant: string) => string;
  /** Called when a batch reaches a final state through its last unit. */
  onFinished: (batch: BatchRecord) => void;
  /** Each tenant's use of the fleet: a unit's predicted seconds while it is out, its worker-seconds once it ran. */
  usage: FairShare;
  /** Dispatch by fair share: a unit claims its slot by its tenant's rank, against jobs' batches too. */
  fairShare: boolean;
}

/**
 * Runs batch objects' units: takes the next unit from BullMQ (its own, or one a dead replica left
 * stalled), a worker slot that bulk work may take (interactive batches keep one on every worker),
 * sends the unit's items in one packed RunBatch, and settles: the ledger charged, the results
 * stored as one value, the batch's next unit released. Nothing here is per item but copies.
 */
export class UnitPuller {
  private readonly bull: Worker<UnitJobData>;
  private readonly token = `units-${randomUUID()}`;
  private readonly inFlight = new Set<Promise<void>>();
  /** The batches whose units pass here: their record as it was when first seen (what does not change). */
  private readonly batches = new Map<string, BatchRecord>();
  private stopping = false;
  private loop: Promise<void> | undefined;
  /** Under fair sharing: the claim of the unit in hand on its pool's next free slot. */
  private readonly bid: SlotBid | undefined;

  constructor(
    connection: Redis,
    private readonly store: BatchStore,
    private readonly ledger: BatchLedger,
    private readonly units: UnitQueue,
    private readonly models: CostModels,
    private readonly pool: WorkerPool,
    private readonly locks: LockKeeper,
    /** Filled with what units compute (by workers whose identity is proven). */
    private readonly cache: ResultCache,
    private readonly opts: UnitPullerOptions,
    private readonly log: Logger,
  ) {
    this.bull = new Worker<UnitJobData>(UNIT_QUEUES[opts.pool], null, {
      connection,
      prefix: opts.prefix,
      autorun: false,
      lockDuration: opts.lockMs,
      // Units whose lock lapsed (a dead replica's) come back within a few lock lengths, not only every 30 s (BullMQ's check).
      stalledInterval: opts.lockMs,
      maxStalledCount: opts.maxStalledCount,
      // A blocking wait for the next unit ends at least this often (seconds), so that a stop is not held up.
      drainDelay: 1,
    });
    this.bull.on('error', (err) => throttled(this.log, 'warn', 'unit queue error', { err }));
    this.bid = opts.fairShare ? pool.bid(opts.pool, true) : undefined;
  }

  async start(): Promise<void> {
    await this.bull.startStalledCheckTimer();
    this.loop = this.run();
  }

  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    const timeout = new AbortController();
    await Promise.race([Promise.all([...this.inFlight]), sleep(graceMs, undefined, { signal: timeout.signal }).catch(() => undefined)]);
    timeout.abort();
    await this.bull.close(true);
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.cycle();
      } catch (err) {
        if (this.stopping) break;
        throttled(this.log, 'error', 'unit dispatch cycle failed', { err });
        await sleep(500);
      }
    }
  }

  private async cycle(): Promise<void> {
    if (!(await this.pool.waitForCapacity(this.opts.pool, true)) || this.stopping) return;
    const job = await this.bull.getNextJob(this.token, { block: true });
    if (!job?.id || this.stopping) {
      if (job?.id) await this.finish(job, () => job.moveToWait(this.token));
      return;
    }
    this.locks.hold(this.bull, job.id, this.token);
    let batch: BatchRecord | undefined;
    let bytes: Buffer | null;
    try {
      batch = await this.batch(job.data.batchId);
      bytes = batch && !isStopped(batch.state) ? await this.store.redis.getBuffer(this.store.keys.unit(batch.id, job.data.unit)) : null;
    } catch (err) {
      // Redis away: the lock is no longer renewed, so that the unit stalls and runs again, instead of being held for ever.
      this.locks.release(this.bull, job.id);
      throw err;
    }
    // Settled already (run again after a crash), or its batch cancelled or gone: nothing to run.
    if (!batch || !bytes) {
      await this.finish(job, () => job.moveToCompleted('', this.token, false));
      return;
    }
    const unit = decodeUnit(bytes);
    const shapes = segmentShapes(unit.offsets, unit.segments);
    const padded = shapes.reduce((a, s) => a + s.paddedTokens, 0);
    const needs = { op: batch.spec.op, paddedTokens: padded };
    this.bid?.set(batch.tenant, needs);
    const slot = await this.pool.acquire(this.opts.pool, needs, true, this.bid);
    this.bid?.set(undefined);
    if (!slot || this.stopping) {
      slot?.release(false);
      await this.finish(job, () => job.moveToWait(this.token));
      return;
    }
    const sent = this.runUnit(job, batch, bytes, unit, shapes, slot)
      .catch((err: unknown) => {
        this.log.error({ err, batchId: batch.id, unit: job.data.unit }, 'unit not settled; it runs again once its lock expires');
        this.locks.release(this.bull, job.id!);
      })
      .finally(() => this.inFlight.delete(sent));
    this.inFlight.add(sent);
  }

  private async runUnit(job: UnitJob, batch: BatchRecord, bytes: Buffer, u: UnitItems, shapes: BatchShape[], slot: WorkerSlot): Promise<void> {
    const model = this.models.current(batch.spec.op, slot.workerClass);
    const predicted = new Map([[batch.tenant, shapes.reduce((a, s) => a + predictSeconds(model, s), 0)]]);
    this.opts.usage.sent(predicted);
    let ran = 0;
    try {
      ran = await this.runAndSettle(job, batch, bytes, u, shapes, slot);
    } finally {
      this.opts.usage.ran(predicted, new Map([[batch.tenant, ran]]));
    }
  }

  /** The unit's worker-seconds (0 if it did not run). */
  private async runAndSettle(job: UnitJob, batch: BatchRecord, bytes: Buffer, u: UnitItems, shapes: BatchShape[], slot: WorkerSlot): Promise<number> {
    const { unit } = job.data;
    const n = u.indices.length;
    let results: ItemResults;
    let ran = 0;
    try {
      const res = await slot.run(
        {
          batchId: `${batch.id}.${unit}`, op: batch.spec.op, params: toOpParams(batch.spec), jobIds: [], tokens: unitTokenBytes(bytes),
          offsets: Array.from(u.offsets), segments: Array.from(u.segments), packed: true,
        },
        this.opts.batchTimeoutMs,
      );
      slot.release(false);
      ran = res.kernelSeconds;
      const cost = this.opts.billing.cost(slot.workerClass, slot.pool, res.kernelSeconds);
      results = fromPacked(res.packed, n, cost, slot.workerId);
      // Each kernel batch is what the cost model learns from (the unit is only their envelope), and what its items' cost shares come from.
      const seconds = res.packed!.segmentSeconds;
      const segments = segmentCosts(cost, u.segments, seconds);
      if (segments) results.segments = segments;
      if (seconds.length === shapes.length) {
        shapes.forEach((shape, k) => {
          if (seconds[k]! > 0) void this.models.learn(batch.spec.op, slot.workerClass, shape, seconds[k]!).catch((err: unknown) => this.log.warn({ err }, 'cost model not updated'));
        });
      }
    } catch (err) {
      const e = err as grpc.ServiceError;
      const why = `worker ${slot.workerId}: ${e.code !== undefined ? `${grpc.status[e.code]}: ${e.details || e.message}` : e.message}`;
      if (slot.pool === 'spot' && HANDED_BACK.has(e.code)) {
        // Taken back (stopped, or gone): not the unit's fault, so no attempt is spent.
        slot.release(true);
        await this.handBack(job, batch, slot.workerId, why);
        return 0;
      }
      const refused = e.code === grpc.status.INVALID_ARGUMENT;
      // A unit the worker refused as malformed says nothing about the worker's health.
      slot.release(!refused);
      const attempts = job.opts.attempts ?? 1;
      this.log.warn({ batchId: batch.id, unit, workerId: slot.workerId, items: n, attempt: job.attemptsMade + 1, attempts, error: why }, 'unit failed');
      if (!refused && job.attemptsMade + 1 < attempts) {
        // BullMQ brings it back after its backoff.
        await this.finish(job, () => job.moveToFailed(new Error(why), this.token, false));
        return 0;
      }
      results = allFailed(n, `unit failed on ${job.attemptsMade + 1} attempt(s); last: ${why}`);
    }
    if (this.cache.opts.enabled && slot.proven) void this.fillCache(batch, unit, u, results, slot.workerId);
    await this.settle(job, batch, results, n, shapes.reduce((a, s) => a + s.paddedTokens, 0), u.copies);
    return ran;
  }

  /** Ledger first, then the results: each is safe to repeat, so a crash between them is made good by the unit's next run. */
  private async settle(job: UnitJob, batch: BatchRecord, r: ItemResults, n: number, padded: number, copies: Uint32Array): Promise<void> {
    const { unit } = job.data;
    const share = batch.quote && batch.quotePadded > 0 ? (batch.quote.price * padded) / batch.quotePadded : 0;
    // While more units may come (its upload open, or its reservation not yet trued up to them), the last charged releases nothing extra.
    const units = settling(batch) ? 2 ** 31 : batch.units;
    await this.ledger.charge(batch.tenant, batch.id, unit, { cost: r.cost, share, units, period: this.opts.periodOf(batch.tenant) });
    // Items identical to one of the unit's take its outcome: counted with it.
    let failed = 0;
    for (const i of r.failed) failed += 1 + copies[i]!;
    let all = n;
    for (let i = 0; i < n; i++) all += copies[i]!;
    const { finished } = await this.store.settle(batch.id, unit, { results: encodeResults(r), succeeded: all - failed, failed, cost: r.cost, padded });
    if (finished) {
      this.batches.delete(batch.id);
      await this.ledger.release(batch.tenant, batch.id);
      const done = await this.store.get(batch.id);
      if (done) this.opts.onFinished(done);
    } else {
      // Read again: its pool may have changed while the unit was out (a spot batch fallen back on demand).
      await this.units.release((await this.batch(batch.id)) ?? batch);
    }
    await this.finish(job, () => job.moveToCompleted('', this.token, false));
  }

  /**
   * A spot worker handed the unit back: it waits its backoff and goes to spot workers again, or,
   * handed back more than maxPreemptions times in its batch, the batch falls back to on-demand
   * workers and the unit goes there at once.
   */
  private async handBack(job: UnitJob, batch: BatchRecord, workerId: string, why: string): Promise<void> {
    const key = this.store.keys.meta(batch.id);
    const preemptions = await this.store.redis.hincrby(key, 'preemptions', 1);
    this.log.warn({ batchId: batch.id, unit: job.data.unit, workerId, preemptions, error: why }, 'unit preempted');
    if (preemptions <= this.opts.maxPreemptions) {
      await this.finish(job, () => job.moveToDelayed(Date.now() + this.opts.backoffMs, this.token));
      return;
    }
    await this.store.redis.hset(key, 'pool', 'on-demand', 'placement', `fell back to on-demand after ${preemptions} preemption(s)`);
    this.batches.delete(batch.id);
    await this.finish(job, async () => {
      await job.moveToCompleted('', this.token, false);
      await this.units.addUnit({ ...batch, pool: 'on-demand' }, job.data.unit);
    });
  }

  /**
   * Keeps what the unit computed, item by item (only a help: a result not kept is computed again).
   * Results without failures are kept as references to the unit's stored results, not copied: a
   * batch's results are not held twice. A unit with failures has its good results copied.
   */
  private async fillCache(batch: BatchRecord, unit: number, u: UnitItems, r: ItemResults, workerId: string): Promise<void> {
    const failed = new Set(r.failed);
    const entries: CacheEntry[] = [];
    const resultsKey = this.store.keys.results(batch.id, unit);
    const guard = resultsGuard(r);
    for (let i = 0; i < u.indices.length; i++) {
      if (failed.has(i)) continue;
      const tokens = u.tokens.subarray(u.offsets[i]!, u.offsets[i + 1]!);
      const key = this.cache.keyOf(batch.tenant, batch.spec, Buffer.from(tokens.buffer, tokens.byteOffset, tokens.byteLength));
      if (guard) {
        entries.push({ key, kind: r.kind, ref: { key: resultsKey, guard, ...resultRange(r, i) } });
        continue;
      }
      const value = r.values.subarray(r.offsets[i]!, r.offsets[i + 1]!);
      entries.push({ key, kind: r.kind, bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength) });
    }
    await this.cache.store(entries, workerId).catch((err: unknown) => this.log.warn({ err, batchId: batch.id }, 'unit results not cached'));
  }

  private async batch(id: string): Promise<BatchRecord | undefined> {
    const known = this.batches.get(id);
    // A batch still uploading (or not yet trued up) changes its units, padded tokens and quote: read whole.
    if (known && !settling(known)) {
      // Its state may have moved (cancelled), and its pool (a spot batch fallen back on demand): read those alone.
      const [state, pool] = await this.store.redis.hmget(this.store.keys.meta(id), 'state', 'pool');
      return state ? { ...known, state: state as BatchRecord['state'], pool: pool === 'spot' ? 'spot' : 'on-demand' } : undefined;
    }
    const b = await this.store.get(id);
    if (b) {
      if (this.batches.size > 1000) this.batches.clear();
      this.batches.set(id, b);
    }
    return b;
  }

  private async finish(job: UnitJob, move: () => Promise<unknown>): Promise<void> {
    this.locks.release(this.bull, job.id!);
    try {
      await move();
    } catch (err) {
      this.log.warn({ err, batchId: job.data.batchId, unit: job.data.unit }, 'could not settle unit in its queue');
    }
  }
}

/** Each kernel batch's shape: its items × its longest, and its longest. */
function segmentShapes(offsets: Uint32Array, segments: Uint32Array): BatchShape[] {
  const out: BatchShape[] = [];
  for (let k = 0; k + 1 < segments.length; k++) {
    let longest = 0;
    for (let i = segments[k]!; i < segments[k + 1]!; i++) longest = Math.max(longest, offsets[i + 1]! - offsets[i]!);
    out.push({ paddedTokens: (segments[k + 1]! - segments[k]!) * Math.max(1, longest), maxLength: longest });
  }
  return out;
}

/** How a spot worker's RPC fails when it hands a unit back (ABORTED), stops taking any (UNAVAILABLE), or dies. */
const HANDED_BACK = new Set<number | undefined>([grpc.status.ABORTED, grpc.status.UNAVAILABLE, grpc.status.CANCELLED]);

/** A batch whose size and quote are not final yet: its upload is open, or its true-up is to come. */
function settling(b: BatchRecord): boolean {
  return b.open || awaitsTrueUp(b);
}

function isStopped(state: BatchRecord['state']): boolean {
  return state === 'CANCELLED' || state === 'FAILED';
}

/** The worker's packed outcomes, checked against the unit they answer; as results to store. */
function fromPacked(p: PackedOutcomes__Output | null, n: number, cost: number, workerId: string): ItemResults {
  if (!p || p.offsets.length !== n + 1 || p.failed.length !== p.errors.length || (p.kind !== 'u32' && p.kind !== 'f32')) {
    throw Object.assign(new Error(`worker ${workerId} answered a unit of ${n} items with ${p ? `${p.offsets.length - 1} outcomes` : 'no packed outcomes'}`), { code: grpc.status.INTERNAL });
  }
  const offsets = Uint32Array.from(p.offsets);
  if (p.values.length !== offsets[n]! * 4) throw Object.assign(new Error(`worker ${workerId}: packed values of ${p.values.length} bytes for ${offsets[n]} elements`), { code: grpc.status.INTERNAL });
  return { kind: p.kind, offsets, values: viewLe32(p.values, p.kind), failed: Uint32Array.from(p.failed), errors: p.errors, cost };
}

function allFailed(n: number, error: string): ItemResults {
  return { kind: 'u32', offsets: new Uint32Array(n + 1), values: new Uint32Array(0), failed: Uint32Array.from({ length: n }, (_, i) => i), errors: new Array<string>(n).fill(error), cost: 0 };
}
