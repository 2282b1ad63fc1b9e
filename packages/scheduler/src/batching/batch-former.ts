import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { OpSpec } from '@nightshift/proto';
import { decodeEntry, type PendingEntry, type QueueSet } from '../queueing/index.js';
import { closeBatch, type ClosingPolicy, type PendingJob } from './batch-closing.js';

export type Forming = { formed: true; batchId: string; jobs: number; reason: string } | { formed: false; wakeAt: number | null };

/** What is known of the worker the next batch would go to. */
export interface NextWorker {
  /** No batch is out on it: waiting for batch-mates would leave it idle. */
  idle: boolean;
  /** The most padded tokens it takes in one batch. */
  maxPaddedTokens: number;
}

/**
 * Forms the batches of one queue, one at a time, as dispatch asks for them:
 * reads the head of each of its pending sets (one per bucket and params),
 * lets closeBatch decide, and turns the chosen jobs into one BullMQ job.
 */
export class BatchFormer {
  /** The queue's pending sets known so far: name → its bucket and spec. */
  private readonly sets = new Map<string, { bucket: string; spec: OpSpec }>();

  constructor(
    private readonly redis: Redis,
    private readonly queues: QueueSet,
    readonly queue: string,
    private readonly policy: ClosingPolicy,
  ) {}

  /**
   * Forms at most one batch: of the pending sets whose batch would close now, the one whose head
   * comes first (by effective priority). Otherwise says when to look again.
   */
  async formOne(next: NextWorker): Promise<Forming> {
    const now = Date.now();
    const k = this.queues.keys;
    // The heads of the sets known here, and the list of sets for next time: one round trip.
    // The first maxBatchJobs of a set are all a batch can take: the score orders by effective priority.
    const known = [...this.sets.keys()];
    const window = this.policy.maxBatchJobs;
    const pipe = this.redis.pipeline().hgetall(k.sets(this.queue));
    for (const p of known) pipe.zrange(k.pending(this.queue, p), 0, window - 1, 'WITHSCORES');
    const [retryDue, replies] = await Promise.all([this.queues.promote(this.queue, now), pipe.exec()]);
    const [setsErr, sets] = replies![0]!;
    if (setsErr) throw setsErr;
    let fresh = false;
    for (const [name, json] of Object.entries(sets as Record<string, string>)) {
      if (!this.sets.has(name)) (this.sets.set(name, JSON.parse(json) as { bucket: string; spec: OpSpec }), (fresh = true));
    }

    const limits: ClosingPolicy = { ...this.policy, maxPaddedTokens: Math.min(this.policy.maxPaddedTokens, next.maxPaddedTokens) };
    let best: { set: string; head: number; batch: PendingJob[]; reason: string } | undefined;
    let wakeAt: number | null = fresh ? now : retryDue;
    known.forEach((set, i) => {
      const [err, flat] = replies![i + 1]!;
      if (err) throw err;
      const pending = pendingJobs(flat as string[]);
      if (pending.length === 0) return;
      const decision = closeBatch(pending, now, limits, next.idle);
      if (!decision.close) {
        if (decision.wakeAt !== null) wakeAt = Math.min(wakeAt ?? Infinity, decision.wakeAt);
        return;
      }
      const head = pending[0]!.score;
      if (!best || head < best.head) best = { set, head, batch: decision.batch, reason: decision.reason };
    });
    if (!best) return { formed: false, wakeAt };

    const { set, batch, reason } = best as { set: string; batch: PendingJob[]; reason: string };
    const { bucket, spec } = this.sets.get(set)!;
    const batchId = randomUUID();
    const entries = batch.map((j) => j.id);
    // Added before its jobs leave the pending set: a crash in between leaves them in both,
    // and the records' attempts guard runs each of them once.
    await this.queues
      .get(this.queue)
      .add('batch', { batchId, bucket, spec, entries }, { jobId: batchId, removeOnComplete: true, removeOnFail: true });
    await this.redis.zrem(k.pending(this.queue, set), ...entries);
    return { formed: true, batchId, jobs: batch.length, reason };
  }
}

/** ZRANGE … WITHSCORES replies as the batching decision sees them; the id is the entry itself. */
function pendingJobs(flat: readonly string[]): Array<PendingJob & { score: number; entry: PendingEntry }> {
  const out: Array<PendingJob & { score: number; entry: PendingEntry }> = [];
  for (let i = 0; i < flat.length; i += 2) {
    const entry = decodeEntry(flat[i]!);
    out.push({ id: flat[i]!, length: entry.length, priority: entry.priority, queuedAt: entry.queuedAt, score: Number(flat[i + 1]), entry });
  }
  return out;
}
