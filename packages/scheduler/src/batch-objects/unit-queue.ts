import { Queue, type ConnectionOptions } from 'bullmq';
import type { Pool } from '../queueing/index.js';
import type { BatchStore } from './batch-record.js';

/** A unit's BullMQ job: which batch, which unit. */
export interface UnitJobData {
  batchId: string;
  unit: number;
}

/** The units of batches placed on demand (or off-peak: on-demand workers), and those placed in a spot window. */
export const UNIT_QUEUES: Record<Pool, string> = { 'on-demand': 'units', spot: 'units-spot' };

/** What releasing a batch's units needs of it. */
export interface UnitBatch {
  id: string;
  tenant: string;
  priority: number;
  maxAttempts: number;
  pool: Pool;
}

/** BullMQ's priorities run from 1 (first) to 2^21; a batch's priority (higher first) maps onto them. */
const MAX_BULL_PRIORITY = 2 ** 21;

export function unitJobId(batchId: string, unit: number): string {
  return `${batchId}.${unit}`;
}

/**
 * The units on their way to the workers, one BullMQ job a unit. A batch has at most `ahead` units
 * released beyond those done: units of several batches alternate in the queue, so that no batch
 * takes every worker while another waits, and a cancelled batch has little to take back. Job ids
 * are the units' own, so releasing a unit twice (a replica that died between its steps) queues it once.
 */
export class UnitQueue {
  readonly queues: Record<Pool, Queue<UnitJobData>>;

  constructor(
    connection: ConnectionOptions,
    prefix: string,
    private readonly store: BatchStore,
    private readonly opts: {
      ahead: number;
      backoffMs: number;
      /** Under fair sharing: how far each tenant is below its share (lower first), which orders the units released. */
      fair?: { refresh(): Promise<void>; rank(tenant: string): number };
    },
  ) {
    this.queues = {
      'on-demand': new Queue<UnitJobData>(UNIT_QUEUES['on-demand'], { connection, prefix }),
      spot: new Queue<UnitJobData>(UNIT_QUEUES.spot, { connection, prefix }),
    };
  }

  /** Lets the batch's next units go (as many as its turn allows), to its pool's queue; the number released. */
  async release(batch: UnitBatch): Promise<number> {
    const [{ from, to }] = await Promise.all([this.store.release(batch.id, this.opts.ahead), this.opts.fair?.refresh()]);
    if (to > from) await this.add(batch, from, to);
    return to - from;
  }

  /** Queues units [from, to) again whose results are not stored: what a replica released just before it died. */
  async requeue(batch: UnitBatch & { unitsReleased: number }): Promise<void> {
    const done = await this.store.doneUnits(batch.id);
    const missing: number[] = [];
    for (let u = 0; u < batch.unitsReleased; u++) if (!done(u)) missing.push(u);
    const waiting = new Set<string | undefined>();
    for (const q of Object.values(this.queues)) for (const j of await q.getJobs(['waiting', 'prioritized', 'active', 'delayed'])) waiting.add(j.id);
    const lost = missing.filter((u) => !waiting.has(unitJobId(batch.id, u)));
    if (lost.length) await this.queues[batch.pool].addBulk(lost.map((u) => this.job(batch, u)));
  }

  /** Takes the batch's units waiting in either queue out (a cancel); those out on a worker finish. */
  async remove(batch: { id: string; unitsDone: number; unitsReleased: number }): Promise<void> {
    for (let u = batch.unitsDone; u < batch.unitsReleased; u++) {
      for (const q of Object.values(this.queues)) await q.remove(unitJobId(batch.id, u)).catch(() => 0);
    }
  }

  /** Puts one unit into `pool`'s queue (a unit handed back by spot workers too often falls back on demand). */
  async addUnit(batch: UnitBatch, unit: number): Promise<void> {
    await this.queues[batch.pool].add('unit', { batchId: batch.id, unit }, this.job(batch, unit).opts);
  }

  /**
   * Moves a batch's waiting units from the spot queue to the on-demand one (its spot window closed):
   * those out on a worker finish where they are.
   */
  async fallBack(batch: UnitBatch & { unitsDone: number; unitsReleased: number }): Promise<number> {
    let moved = 0;
    for (let u = batch.unitsDone; u < batch.unitsReleased; u++) {
      const job = await this.queues.spot.getJob(unitJobId(batch.id, u));
      if (!job || (await job.isActive())) continue;
      if ((await this.queues.spot.remove(unitJobId(batch.id, u))) === 1) {
        await this.addUnit({ ...batch, pool: 'on-demand' }, u);
        moved++;
      }
    }
    return moved;
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((q) => q.close()));
  }

  private async add(batch: UnitBatch, from: number, to: number): Promise<void> {
    await this.queues[batch.pool].addBulk(Array.from({ length: to - from }, (_, i) => this.job(batch, from + i)));
  }

  /**
   * BullMQ's priority for the batch's units (lower first). By the batch's priority; under fair
   * sharing, first by its tenant's rank when the unit is released, as start-time fair queuing tags
   * work: a tenant below its share has its units taken before those of tenants above theirs, and
   * the batch's priority orders a tenant's own (by powers of two). Log-scaled: the rank's order
   * holds to 0.1% from a hundredth of a second to hours.
   */
  private priority(batch: UnitBatch): number {
    if (!this.opts.fair) return Math.max(1, MAX_BULL_PRIORITY - 1 - Math.min(batch.priority, MAX_BULL_PRIORITY - 2));
    const tag = Math.floor(1000 * Math.log2(1 + 100 * Math.max(0, this.opts.fair.rank(batch.tenant))));
    const band = 63 - Math.min(63, Math.floor(Math.log2(1 + batch.priority)));
    return Math.min(MAX_BULL_PRIORITY - 1, 1 + tag * 64 + band);
  }

  private job(batch: UnitBatch, unit: number) {
    return {
      name: 'unit',
      data: { batchId: batch.id, unit },
      opts: {
        jobId: unitJobId(batch.id, unit),
        priority: this.priority(batch),
        attempts: batch.maxAttempts,
        backoff: { type: 'exponential' as const, delay: this.opts.backoffMs },
        removeOnComplete: true,
        removeOnFail: true,
      },
    };
  }
}
