/**
 * The keys of the queueing layer. Each (op, bucket) queue has a BullMQ
 * queue, which holds its formed batches, and next to it nightshift's keys
 * for the jobs not yet in a batch. They all start with the queue's name,
 * so a hash tag in that name keeps a queue in one Redis Cluster slot.
 */
export class QueueKeys {
  constructor(readonly prefix: string) {}

  /** Jobs of one params waiting for a batch (ZSET of pending entries, see pendingScore). */
  pending(queue: string, paramsKey: string): string {
    return `${this.prefixOf(queue)}pending:${paramsKey}`;
  }

  /** Where promote.lua builds pending keys: pending(queue, k) = pendingPrefix(queue) + k. */
  pendingPrefix(queue: string): string {
    return `${this.prefixOf(queue)}pending:`;
  }

  /** The params this queue has held, paramsKey → spec JSON (HASH). */
  params(queue: string): string {
    return `${this.prefixOf(queue)}params`;
  }

  /** Jobs waiting out a retry backoff, by when they are due (ZSET of "paramsKey\tentry"). */
  retry(queue: string): string {
    return `${this.prefixOf(queue)}retry`;
  }

  /** Names of the queues that have ever held a job: what dispatchers pull from. */
  queues(): string {
    return `${this.prefix}:queues`;
  }

  /** Pub/sub channel: a queue's name, published when jobs join it, wakes dispatchers of every replica. */
  wake(): string {
    return `${this.prefix}:wake`;
  }

  // "ns" keeps these apart from BullMQ's own keys of the queue (wait, active, delayed…).
  private prefixOf(queue: string): string {
    return `${this.prefix}:${queue}:ns:`;
  }
}
