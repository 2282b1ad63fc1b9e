import { Queue, type ConnectionOptions } from 'bullmq';
import type { BatchStore } from './batch-record.js';

/** A unit's BullMQ job: which batch, which unit. */
export interface UnitJobData {
  batchId: string;
  unit: number;
}

export const UNIT_QUEUE = 'units';

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
  readonly queue: Queue<UnitJobData>;

  constructor(
    connection: ConnectionOptions,
    prefix: string,
    private readonly store: BatchStore,
    private readonly opts: { ahead: number; backoffMs: number },
  ) {
    this.queue = new Queue<UnitJobData>(UNIT_QUEUE, { connection, prefix });
  }

  /** Lets the batch's next units go (as many as its turn allows); the number released. */
  async release(batch: { id: string; priority: number; maxAttempts: number }): Promise<number> {
    const { from, to } = await this.store.release(batch.id, this.opts.ahead);
    if (to > from) await this.add(batch, from, to);
    return to - from;
  }

  /** Queues units [from, to) again whose results are not stored: what a replica released just before it died. */
  async requeue(batch: { id: string; priority: number; maxAttempts: number; unitsDone: number; unitsReleased: number }): Promise<void> {
    const done = await this.store.doneUnits(batch.id);
    const missing: number[] = [];
    for (let u = 0; u < batch.unitsReleased; u++) if (!done(u)) missing.push(u);
    const waiting = new Set((await this.queue.getJobs(['waiting', 'prioritized', 'active', 'delayed'])).map((j) => j.id));
    const lost = missing.filter((u) => !waiting.has(unitJobId(batch.id, u)));
    if (lost.length) await this.queue.addBulk(lost.map((u) => this.job(batch, u)));
  }

  async close(): Promise<void> {
    await this.queue.close();
  }

  private async add(batch: { id: string; priority: number; maxAttempts: number }, from: number, to: number): Promise<void> {
    await this.queue.addBulk(Array.from({ length: to - from }, (_, i) => this.job(batch, from + i)));
  }

  private job(batch: { id: string; priority: number; maxAttempts: number }, unit: number) {
    return {
      name: 'unit',
      data: { batchId: batch.id, unit },
      opts: {
        jobId: unitJobId(batch.id, unit),
        priority: Math.max(1, MAX_BULL_PRIORITY - 1 - Math.min(batch.priority, MAX_BULL_PRIORITY - 2)),
        attempts: batch.maxAttempts,
        backoff: { type: 'exponential' as const, delay: this.opts.backoffMs },
        removeOnComplete: true,
        removeOnFail: true,
      },
    };
  }
}
