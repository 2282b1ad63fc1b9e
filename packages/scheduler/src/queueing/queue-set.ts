import { readFileSync } from 'node:fs';
import { Queue, type ConnectionOptions } from 'bullmq';
import type { Redis, Result } from 'ioredis';
import { opKey, type OpSpec } from '@nightshift/proto';
import { QueueKeys } from './queue-keys.js';
import { encodeEntry, agingScale, pendingScore, type PendingEntry } from './pending-entry.js';
import type { BatchJobData } from './batch-job.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    nsPromote(key: string, now: number, pendingPrefix: string, aging: number, limit: number): Result<number, Context>;
  }
}

/** A job as the queueing layer takes it in: its entry, and where it goes. */
export interface Queueable {
  queue: string;
  bucket: string;
  spec: OpSpec;
  entry: PendingEntry;
}

/**
 * The queues, one per op and range of lengths. A job waits in the pending
 * set of its bucket and params until a batch is formed; the formed batch is
 * a BullMQ job of the queue, which dispatch takes, locks and completes.
 */
export class QueueSet {
  readonly keys: QueueKeys;
  private readonly queues = new Map<string, Queue<BatchJobData>>();
  private readonly announced = new Set<string>();
  private listener: ((queue: string) => void) | undefined;

  constructor(
    private readonly connection: Redis,
    readonly prefix: string,
    private readonly agingMsPerPriority: number,
  ) {
    this.keys = new QueueKeys(prefix);
    connection.defineCommand('nsPromote', { numberOfKeys: 1, lua: readFileSync(new URL('./lua/promote.lua', import.meta.url), 'utf8') });
  }

  /** Called whenever this process queues jobs, with the queue's name, so that its dispatcher wakes at once. */
  onQueue(listener: (queue: string) => void): void {
    this.listener = listener;
  }

  /** The BullMQ queue that holds the formed batches of `name`. */
  get(name: string): Queue<BatchJobData> {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue<BatchJobData>(name, { connection: this.connection as ConnectionOptions, prefix: this.prefix });
      this.queues.set(name, q);
    }
    return q;
  }

  /** Queues jobs (their records exist already): one round trip, however many jobs and queues. */
  async enqueueMany(items: readonly Queueable[]): Promise<void> {
    if (items.length === 0) return;
    const k = this.keys;
    const pipe = this.connection.pipeline();
    const touched = new Set<string>();
    const fresh = new Set<string>();
    for (const { queue, bucket, spec, entry } of items) {
      const set = QueueKeys.setName(bucket, opKey(spec));
      pipe.zadd(k.pending(queue, set), pendingScore(entry, this.agingMsPerPriority), encodeEntry(entry));
      if (!touched.has(`${queue}\n${set}`)) {
        touched.add(`${queue}\n${set}`);
        pipe.hsetnx(k.sets(queue), set, JSON.stringify({ bucket, spec }));
      }
      if (!this.announced.has(queue)) fresh.add(queue);
    }
    // Every replica's dispatcher finds the queues here, and is woken by the publish.
    if (fresh.size) pipe.sadd(k.queues(), ...fresh);
    const queues = new Set(items.map((i) => i.queue));
    for (const q of queues) pipe.publish(k.wake(), q);
    for (const [err] of (await pipe.exec()) ?? []) if (err) throw err;
    for (const q of fresh) this.announced.add(q);
    for (const q of queues) this.listener?.(q);
  }

  /** Puts jobs whose attempt failed back, due after their backoff (before their records say QUEUED). */
  async retryLater(items: ReadonlyArray<Queueable & { dueAt: number }>): Promise<void> {
    if (items.length === 0) return;
    const pipe = this.connection.pipeline();
    for (const { queue, bucket, spec, entry, dueAt } of items) {
      pipe.zadd(this.keys.retry(queue), dueAt, `${QueueKeys.setName(bucket, opKey(spec))}\t${encodeEntry(entry)}`);
    }
    for (const [err] of (await pipe.exec()) ?? []) if (err) throw err;
  }

  /** Moves the queue's jobs whose backoff is over back to pending; when the next is due (or null). */
  async promote(queue: string, now: number): Promise<number | null> {
    const next = await this.connection.nsPromote(this.keys.retry(queue), now, this.keys.pendingPrefix(queue), agingScale(this.agingMsPerPriority), 1000);
    return next < 0 ? null : next;
  }

  /** Takes a job out of the sets where it waits for a batch; false when it was in none (already in a batch). */
  async remove(job: Queueable): Promise<boolean> {
    const entry = encodeEntry(job.entry);
    const set = QueueKeys.setName(job.bucket, opKey(job.spec));
    const [a, b] = (await this.connection
      .pipeline()
      .zrem(this.keys.pending(job.queue, set), entry)
      .zrem(this.keys.retry(job.queue), `${set}\t${entry}`)
      .exec()) ?? [];
    return a?.[1] === 1 || b?.[1] === 1;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
