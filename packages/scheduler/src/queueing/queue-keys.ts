/**
 * The keys of the queueing layer. Each (op, bucket) queue has a BullMQ
 * queue, which holds its formed batches, and next to it nightshift's keys
 * for the jobs not yet in a batch. They all start with the queue's name,
 * so a hash tag in that name keeps a queue in one Redis Cluster slot.
 */
export class QueueKeys {
  constructor(readonly prefix: string) {}

  /** Jobs of one pending set (bucket and params) waiting for a batch (ZSET of pending entries, see pendingScore). */
  pending(queue: string, set: string): string {
    return `${this.prefixOf(queue)}pending:${set}`;
  }

  /** Where promote.lua builds pending keys: pending(queue, s) = pendingPrefix(queue) + s. */
  pendingPrefix(queue: string): string {
    return `${this.prefixOf(queue)}pending:`;
  }

  /** The pending sets this queue has held, set name → JSON of its bucket and spec (HASH). */
  sets(queue: string): string {
    return `${this.prefixOf(queue)}sets`;
  }

  /** Jobs waiting out a retry backoff, by when they are due (ZSET of "set\tentry"). */
  retry(queue: string): string {
    return `${this.prefixOf(queue)}retry`;
  }

  /** Names of the queues that have ever held a job: what dispatchers pull from. */
  queues(): string {
    return `${this.prefix}:queues`;
  }

  /** Jobs held for a later capacity window, by when they are released (ZSET of "queue\tset\tentry"). */
  deferred(): string {
    return `${this.prefix}:deferred`;
  }

  /** Pub/sub channel: a queue's name, published when jobs join it, wakes dispatchers of every replica. */
  wake(): string {
    return `${this.prefix}:wake`;
  }

  /** A pending set's name: its bucket and params, and its tenant where each tenant's jobs wait apart (fair sharing); only its jobs share a batch. */
  static setName(bucket: string, paramsKey: string, tenant?: string): string {
    return tenant === undefined ? `${bucket}:${paramsKey}` : `${bucket}:${paramsKey}:t=${tenant}`;
  }

  // "ns" keeps these apart from BullMQ's own keys of the queue (wait, active, delayed…).
  private prefixOf(queue: string): string {
    return `${this.prefix}:${queue}:ns:`;
  }
}
