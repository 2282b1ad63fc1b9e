import { readFileSync } from 'node:fs';
import { Queue, type ConnectionOptions } from 'bullmq';
import type { Redis, Result } from 'ioredis';
import { SlotBatch } from '../redis/index.js';
import { opKey, type OpSpec } from '@nightshift/proto';
import { QueueKeys } from './queue-keys.js';
import { encodeEntry, decodeEntry, agingScale, pendingScore, type PendingEntry } from './pending-entry.js';
import type { BatchJobData } from './batch-job.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    nsPromote(key: string, now: number, pendingPrefix: string, aging: number, limit: number): Result<number, Context>;
  }
}

/** A deferred job as release finds it: where it goes, and its entry. */
export interface DeferredEntry {
  queue: string;
  set: string;
  entry: PendingEntry;
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
    /**
     * The connection of the BullMQ queues that hold formed batches. BullMQ defines its forty-odd
     * scripts on the connection it is given, and ioredis copies every script of a connection into
     * each pipeline made on it (tens of µs a pipeline): kept off `connection`, whose pipelines
     * carry admission and dispatch.
     */
    private readonly bullConnection: Redis = connection,
    /** Each tenant's jobs in pending sets of their own (fair sharing), rather than all tenants' together. */
    private readonly perTenant = false,
  ) {
    this.keys = new QueueKeys(prefix);
    connection.defineCommand('nsPromote', { numberOfKeys: 1, lua: readFileSync(new URL('./lua/promote.lua', import.meta.url), 'utf8') });
  }

  /** The pending set a job of this bucket, params and tenant waits in. */
  setOf(bucket: string, spec: OpSpec, tenant: string): string {
    return QueueKeys.setName(bucket, opKey(spec), this.perTenant ? tenant : undefined);
  }

  /** The connection of the pending sets (no BullMQ scripts on it: its pipelines are cheap to make). */
  get redis(): Redis {
    return this.connection;
  }

  /** Called whenever this process queues jobs, with the queue's name, so that its dispatcher wakes at once. */
  onQueue(listener: (queue: string) => void): void {
    this.listener = listener;
  }

  /** The BullMQ queue that holds the formed batches of `name`. */
  get(name: string): Queue<BatchJobData> {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue<BatchJobData>(name, { connection: this.bullConnection as ConnectionOptions, prefix: this.prefix });
      this.queues.set(name, q);
    }
    return q;
  }

  /** Queues jobs (their records exist already): one round trip, however many jobs and queues. */
  async enqueueMany(items: readonly Queueable[]): Promise<void> {
    await this.add(items, (queue, set, entry) => [this.keys.pending(queue, set), pendingScore(entry, this.agingMsPerPriority), encodeEntry(entry)]);
  }

  /**
   * Holds jobs for a later window, each until its `at` (their records say DEFERRED already). Their
   * queues and sets are announced now, so that release needs nothing but the entry.
   */
  async deferMany(items: ReadonlyArray<Queueable & { at: number }>): Promise<void> {
    const at = new Map(items.map((i) => [i.entry, i.at]));
    const key = this.keys.deferred();
    await this.add(items, (queue, set, entry) => [key, at.get(entry)!, `${queue}\t${set}\t${encodeEntry(entry)}`], false);
  }

  /**
   * Queues the deferred jobs whose time has come. `admit` moves their records (DEFERRED → QUEUED)
   * first and says which to queue: a cancelled one is dropped. A crash in between leaves the entry
   * deferred and its record QUEUED; the next release queues it. Returns how many were queued and
   * when the next is due (or null).
   */
  async releaseDue(now: number, admit: (due: readonly DeferredEntry[]) => Promise<boolean[]>, limit = 1000): Promise<{ released: number; next: number | null }> {
    const k = this.keys;
    const members = await this.connection.zrangebyscore(k.deferred(), '-inf', now, 'LIMIT', 0, limit);
    let released = 0;
    if (members.length) {
      const due = members.map((m): DeferredEntry => {
        const [queue, set, entry] = m.split('\t');
        return { queue: queue!, set: set!, entry: decodeEntry(entry!) };
      });
      const keep = await admit(due);
      const batch = new SlotBatch(this.connection);
      due.forEach((d, i) => {
        const key = k.pending(d.queue, d.set);
        if (keep[i]) batch.add(key, (p) => p.zadd(key, pendingScore(d.entry, this.agingMsPerPriority), encodeEntry(d.entry)));
      });
      const queues = new Set(due.filter((_, i) => keep[i]).map((d) => d.queue));
      this.publishWake(batch, queues);
      await batch.execOrThrow();
      // Out of the deferred set only once queued: a crash in between queues them again, harmlessly.
      await this.connection.zrem(k.deferred(), ...members);
      for (const q of queues) this.listener?.(q);
      released = keep.filter(Boolean).length;
    }
    const head = await this.connection.zrange(k.deferred(), 0, 0, 'WITHSCORES');
    return { released, next: head[1] !== undefined ? Number(head[1]) : null };
  }

  /** Jobs held for a later window, all queues. */
  deferredCount(): Promise<number> {
    return this.connection.zcard(this.keys.deferred());
  }

  /** Takes a deferred job out (it was cancelled); false when it was not deferred. */
  async undefer(job: Queueable): Promise<boolean> {
    const member = `${job.queue}\t${this.setOf(job.bucket, job.spec, job.entry.tenant)}\t${encodeEntry(job.entry)}`;
    return (await this.connection.zrem(this.keys.deferred(), member)) === 1;
  }

  /**
   * Adds each item to the sorted set `put` names (one ZADD a set, however many items), announcing new
   * sets and queues; wakes the queues' dispatchers if `wake`.
   */
  private async add(
    items: readonly Queueable[],
    put: (queue: string, set: string, entry: PendingEntry) => [key: string, score: number, member: string],
    wake = true,
  ): Promise<void> {
    if (items.length === 0) return;
    const k = this.keys;
    const batch = new SlotBatch(this.connection);
    const touched = new Set<string>();
    const fresh = new Set<string>();
    const members = new Map<string, Array<number | string>>();
    for (const { queue, bucket, spec, entry } of items) {
      const set = this.setOf(bucket, spec, entry.tenant);
      const [key, score, member] = put(queue, set, entry);
      const list = members.get(key);
      if (list) list.push(score, member);
      else members.set(key, [score, member]);
      if (!touched.has(`${queue}\n${set}`)) {
        touched.add(`${queue}\n${set}`);
        const sets = k.sets(queue);
        batch.add(sets, (p) => p.hsetnx(sets, set, JSON.stringify(this.perTenant ? { bucket, spec, tenant: entry.tenant } : { bucket, spec })));
      }
      if (!this.announced.has(queue)) fresh.add(queue);
    }
    for (const [key, list] of members) batch.add(key, (p) => p.zadd(key, ...list));
    // Every replica's dispatcher finds the queues here, and is woken by the publish.
    if (fresh.size) batch.add(k.queues(), (p) => p.sadd(k.queues(), ...fresh));
    const queues = wake ? new Set(items.map((i) => i.queue)) : new Set<string>();
    this.publishWake(batch, queues);
    await batch.execOrThrow();
    for (const q of fresh) this.announced.add(q);
    for (const q of queues) this.listener?.(q);
  }

  /** Wakes the dispatchers of these queues: every replica's by pub/sub, sent with `batch` (this process's: the listener, after). */
  private publishWake(batch: SlotBatch, queues: ReadonlySet<string>): void {
    for (const q of queues) batch.add(q, (p) => p.publish(this.keys.wake(), q));
  }

  /**
   * Puts jobs back, due after their backoff (before their records say QUEUED): failed attempts, and
   * work a spot worker handed back, which may go to another queue than it came from.
   */
  async retryLater(items: ReadonlyArray<Queueable & { dueAt: number }>): Promise<void> {
    const due = new Map(items.map((i) => [i.entry, i.dueAt]));
    await this.add(items, (queue, set, entry) => [this.keys.retry(queue), due.get(entry)!, `${set}\t${encodeEntry(entry)}`], false);
  }

  /** Moves the queue's jobs whose backoff is over back to pending; when the next is due (or null). */
  async promote(queue: string, now: number): Promise<number | null> {
    const next = await this.connection.nsPromote(this.keys.retry(queue), now, this.keys.pendingPrefix(queue), agingScale(this.agingMsPerPriority), 1000);
    return next < 0 ? null : next;
  }

  /** Takes a job out of the sets where it waits for a batch; false when it was in none (already in a batch). */
  async remove(job: Queueable): Promise<boolean> {
    const entry = encodeEntry(job.entry);
    const set = this.setOf(job.bucket, job.spec, job.entry.tenant);
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
