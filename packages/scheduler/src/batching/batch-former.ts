import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { OpSpec } from '@nightshift/proto';
import { decodeEntry, type QueueSet } from '../queueing/index.js';
import { closeBatch, type ClosingPolicy, type PendingJob } from './batch-closing.js';

/** A batch formed, or not: then when to look again, and whether a ready set waits only because its tenant is at its maxShare. */
export type Forming = { formed: true; batchId: string; jobs: number; reason: string } | { formed: false; wakeAt: number | null; capped?: boolean };

/** What is known of the worker the next batch would go to. */
export interface NextWorker {
  /** No batch is out on it: waiting for batch-mates would leave it idle. */
  idle: boolean;
  /** The most padded tokens it takes in one batch. */
  maxPaddedTokens: number;
}

/** Fair sharing, as the former sees it: a rank per tenant, lowest served first. */
export interface TenantOrder {
  refresh(): Promise<void>;
  rank(tenant: string): number;
  /** The tenant holds all the slots its maxShare allows: its sets wait. */
  capped(tenant: string): boolean;
}

/**
 * Forms the batches of one queue, one at a time, as dispatch asks for them:
 * reads the head of each of its pending sets (one per bucket and params, and
 * tenant under fair sharing), lets closeBatch decide, and turns the chosen
 * jobs into one BullMQ job.
 */
export class BatchFormer {
  /** The queue's pending sets known so far: name → its bucket and spec (and tenant, under fair sharing). */
  private readonly sets = new Map<string, { bucket: string; spec: OpSpec; tenant?: string }>();

  constructor(
    private readonly redis: Redis,
    private readonly queues: QueueSet,
    readonly queue: string,
    private readonly policy: ClosingPolicy,
    /** Under fair sharing: of the sets ready to close, the one whose tenant ranks lowest goes first. */
    private readonly fair?: TenantOrder,
  ) {}

  /**
   * Forms at most one batch: of the pending sets whose batch would close now, the one whose tenant
   * is furthest below its share (under fair sharing), then whose head comes first (by effective
   * priority). Otherwise says when to look again.
   */
  async formOne(next: NextWorker): Promise<Forming> {
    const now = Date.now();
    const k = this.queues.keys;
    const limits: ClosingPolicy = { ...this.policy, maxPaddedTokens: Math.min(this.policy.maxPaddedTokens, next.maxPaddedTokens) };
    // 1. The head and size of each set known here, and the list of sets for next time: one round trip.
    const known = [...this.sets.keys()];
    const pipe = this.redis.pipeline().hgetall(k.sets(this.queue));
    for (const set of known) pipe.zrange(k.pending(this.queue, set), 0, 0, 'WITHSCORES').zcard(k.pending(this.queue, set));
    const [retryDue, replies] = await Promise.all([this.queues.promote(this.queue, now), pipe.exec(), this.fair?.refresh()]);
    const value = (i: number): unknown => {
      const [err, v] = replies![i]!;
      if (err) throw err;
      return v;
    };
    let fresh = false;
    for (const [name, json] of Object.entries(value(0) as Record<string, string>)) {
      if (!this.sets.has(name)) (this.sets.set(name, JSON.parse(json) as { bucket: string; spec: OpSpec; tenant?: string }), (fresh = true));
    }

    // 2. The set whose batch would close now (full by jobs or padded tokens, its head past the
    //    delay, or an idle worker), head first by effective priority.
    let wakeAt: number | null = fresh ? now : retryDue;
    let chosen: { set: string; rank: number; score: number } | undefined;
    let capped = false;
    known.forEach((set, i) => {
      const head = value(1 + 2 * i) as string[];
      if (head.length === 0) return;
      const count = value(2 + 2 * i) as number;
      const entry = decodeEntry(head[0]!);
      const score = Number(head[1]);
      // Lengths within a bucket are close: the head's stands for all in the fullness test.
      const full = count >= limits.maxBatchJobs || count * entry.length >= limits.maxPaddedTokens;
      const due = entry.queuedAt + limits.maxQueueDelayMs;
      if (full || next.idle || due <= now) {
        const tenant = this.sets.get(set)!.tenant;
        if (this.fair && tenant !== undefined && this.fair.capped(tenant)) {
          capped = true;
          return;
        }
        const rank = this.fair && tenant !== undefined ? this.fair.rank(tenant) : 0;
        if (!chosen || rank < chosen.rank || (rank === chosen.rank && score < chosen.score)) chosen = { set, rank, score };
      } else {
        wakeAt = Math.min(wakeAt ?? Infinity, due);
      }
    });
    if (!chosen) return { formed: false, wakeAt, capped };

    // 3. Its first maxBatchJobs (all a batch can take: the score orders by effective priority), and closeBatch decides.
    const { set } = chosen;
    const pending = pendingJobs(await this.redis.zrange(k.pending(this.queue, set), 0, limits.maxBatchJobs - 1, 'WITHSCORES'));
    const decision = closeBatch(pending, now, limits, next.idle);
    if (!decision.close) return { formed: false, wakeAt: decision.wakeAt ?? now };
    const { bucket, spec } = this.sets.get(set)!;
    const batchId = randomUUID();
    const entries = decision.batch.map((j) => j.id);
    // Added before its jobs leave the pending set: a crash in between leaves them in both,
    // and the records' attempts guard runs each of them once.
    await this.queues.get(this.queue).add('batch', { batchId, bucket, spec, entries }, { jobId: batchId, removeOnComplete: true, removeOnFail: true });
    await this.redis.zrem(k.pending(this.queue, set), ...entries);
    return { formed: true, batchId, jobs: entries.length, reason: decision.reason };
  }
}

/** ZRANGE … WITHSCORES replies as the batching decision sees them; the id is the entry itself. */
function pendingJobs(flat: readonly string[]): PendingJob[] {
  const out: PendingJob[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    const entry = decodeEntry(flat[i]!);
    out.push({ id: flat[i]!, length: entry.length, priority: entry.priority, queuedAt: entry.queuedAt });
  }
  return out;
}
