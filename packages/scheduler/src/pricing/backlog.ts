import type { Redis } from 'ioredis';
import { OP_NAMES, type OpName } from '@nightshift/proto';
import { opOfQueue, type QueueKeys } from '../queueing/index.js';
import { SlotBatch } from '../redis/index.js';
import type { BatchLimits } from '../batching/index.js';
import type { CostModels } from './cost-models.js';
import { bucketBound, fullBatchShare } from './quoter.js';

/**
 * Predicted seconds of the work waiting in each op's pending sets, spread
 * over the workers: what a new job waits behind. Read from Redis at most
 * once a second (every replica's jobs count), so quoting never waits on it.
 */
export class BacklogEstimate {
  private perOp = new Map<OpName, number>();
  private jobs = 0;
  private perQueue = new Map<string, number>();
  private perBucket: Array<{ queue: string; bucket: string; jobs: number }> = [];
  private at = 0;
  /** When the last reading began: jobs queued since may be missing from it. */
  private readFrom = 0;
  /** The reading in progress: one at a time, so that a later one is never overwritten by an earlier. */
  private reading: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keys: QueueKeys,
    private readonly models: CostModels,
    private readonly limits: BatchLimits,
    /** The class whose model prices the backlog, and how many workers share it. */
    private readonly fleet: () => { workerClass: string; workers: number },
  ) {}

  /** Seconds of work ahead of a new job of `op`, as last read. */
  seconds(op: OpName): number {
    this.maybeRefresh();
    return this.perOp.get(op) ?? 0;
  }

  /** Jobs waiting for a batch in each queue, read now if the last reading is older than a second. */
  async depths(): Promise<ReadonlyMap<string, number>> {
    if (Date.now() - this.at > 1000 && !this.reading) await this.refresh();
    return this.perQueue;
  }

  /** Jobs waiting for a batch in each bucket of each queue (all params together), read as depths() does. */
  async bucketDepths(): Promise<ReadonlyArray<{ queue: string; bucket: string; jobs: number }>> {
    await this.depths();
    return this.perBucket;
  }

  /** Jobs waiting for a batch, all ops and tenants, as last read, and when that reading began; and the longest any op's backlog takes. */
  queued(): { jobs: number; readFrom: number; drainSeconds: number } {
    this.maybeRefresh();
    return { jobs: this.jobs, readFrom: this.readFrom, drainSeconds: Math.max(0, ...this.perOp.values()) };
  }

  private maybeRefresh(): void {
    if (Date.now() - this.at > 1000 && !this.reading) void this.refresh().catch(() => undefined);
  }

  /** Reads the pending sets now, or joins the reading in progress. */
  refresh(): Promise<void> {
    return (this.reading ??= this.read().finally(() => (this.reading = undefined)));
  }

  private async read(): Promise<void> {
    const started = Date.now();
    const { workerClass, workers } = this.fleet();
    const queues = await this.redis.smembers(this.keys.queues());
    const sets = await Promise.all(queues.map((q) => this.redis.hgetall(this.keys.sets(q)).then((h) => ({ q, names: Object.keys(h) }))));
    const batch = new SlotBatch(this.redis);
    const perQueue = new Map<string, number>();
    const order: Array<{ op: OpName; bound: number; queue: string; bucket: string }> = [];
    for (const { q, names } of sets) {
      const op = opOfQueue(q) as OpName;
      if (!OP_NAMES.includes(op)) continue;
      perQueue.set(q, 0);
      for (const name of names) {
        const bucket = name.slice(0, name.indexOf(':'));
        // An open bucket (gt…) is counted at twice its lower bound.
        order.push({ op, queue: q, bucket, bound: bucketBound(bucket, 2 * Number(bucket.slice(2))) });
        const key = this.keys.pending(q, name);
        batch.add(key, (p) => p.zcard(key));
      }
    }
    const counts = (await batch.exec()).map(([, n]) => Number(n ?? 0));
    const perOp = new Map<OpName, number>();
    const perBucket = new Map<string, { queue: string; bucket: string; jobs: number }>();
    order.forEach(({ op, bound, queue, bucket }, i) => {
      if (!counts[i]) return;
      const b = perBucket.get(`${queue}\t${bucket}`) ?? { queue, bucket, jobs: 0 };
      b.jobs += counts[i]!;
      perBucket.set(`${queue}\t${bucket}`, b);
      perQueue.set(queue, (perQueue.get(queue) ?? 0) + counts[i]!);
      const seconds = counts[i]! * fullBatchShare(this.models.current(op, workerClass), bound, this.limits).seconds;
      perOp.set(op, (perOp.get(op) ?? 0) + seconds / Math.max(1, workers));
    });
    this.perOp = perOp;
    this.perQueue = perQueue;
    this.perBucket = [...perBucket.values()];
    this.jobs = counts.reduce((a, b) => a + b, 0);
    this.at = Date.now();
    this.readFrom = started;
  }
}
