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
 * Forms the batches of one (op, bucket) queue, one at a time, as dispatch
 * asks for them: reads the head of each params' pending set, lets
 * closeBatch decide, and turns the chosen jobs into one BullMQ job.
 */
export class BatchFormer {
  private readonly specs = new Map<string, OpSpec>();

  constructor(
    private readonly redis: Redis,
    private readonly queues: QueueSet,
    readonly queue: string,
    private readonly policy: ClosingPolicy,
  ) {}

  /**
   * Forms at most one batch: of the params sets whose batch would close now, the one whose head
   * has waited longest (by effective priority). Otherwise says when to look again.
   */
  async formOne(next: NextWorker): Promise<Forming> {
    const now = Date.now();
    const k = this.queues.keys;
    // Heads of the params known here, and the params list for next time: one round trip.
    const known = [...this.specs.keys()];
    const window = 2 * this.policy.maxBatchJobs;
    const pipe = this.redis.pipeline().hgetall(k.params(this.queue));
    for (const p of known) pipe.zrange(k.pending(this.queue, p), 0, window - 1, 'WITHSCORES');
    const [retryDue, replies] = await Promise.all([this.queues.promote(this.queue, now), pipe.exec()]);
    const [paramsErr, params] = replies![0]!;
    if (paramsErr) throw paramsErr;
    let fresh = false;
    for (const [p, json] of Object.entries(params as Record<string, string>)) {
      if (!this.specs.has(p)) (this.specs.set(p, JSON.parse(json) as OpSpec), (fresh = true));
    }

    const limits: ClosingPolicy = { ...this.policy, maxPaddedTokens: Math.min(this.policy.maxPaddedTokens, next.maxPaddedTokens) };
    let best: { paramsKey: string; head: number; batch: PendingJob[]; reason: string } | undefined;
    let wakeAt: number | null = fresh ? now : retryDue;
    known.forEach((paramsKey, i) => {
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
      if (!best || head < best.head) best = { paramsKey, head, batch: decision.batch, reason: decision.reason };
    });
    if (!best) return { formed: false, wakeAt };

    const { paramsKey, batch, reason } = best as { paramsKey: string; batch: PendingJob[]; reason: string };
    const batchId = randomUUID();
    const entries = batch.map((j) => j.id);
    // Added before its jobs leave the pending set: a crash in between leaves them in both,
    // and the records' attempts guard runs each of them once.
    await this.queues
      .get(this.queue)
      .add('batch', { batchId, paramsKey, spec: this.specs.get(paramsKey)!, entries }, { jobId: batchId, removeOnComplete: true, removeOnFail: true });
    await this.redis.zrem(k.pending(this.queue, paramsKey), ...entries);
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
