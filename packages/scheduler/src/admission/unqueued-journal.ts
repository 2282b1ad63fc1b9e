import type { Redis } from 'ioredis';
import type { Logger } from '@nightshift/proto';
import type { JobStore } from '../jobs/index.js';
import { decodeEntry, type QueueSet } from '../queueing/index.js';

/**
 * Admission writes a job's record, then queues its entry: two round trips,
 * as the record and the queue live in different slots. A scheduler killed
 * in between would leave a QUEUED record in no queue, for ever. So each job
 * is noted in `{prefix}:unqueued` in the same round trip as its record
 * (before it), and struck off once its entry is queued. Any replica, at
 * start and every sweep, queues the jobs noted longer ago than an admission
 * takes. Queueing one twice is harmless: a job runs only from the batch
 * that moves its record (see transition.lua).
 */
export class UnqueuedJournal {
  readonly key: string;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly store: JobStore,
    private readonly queues: QueueSet,
    private readonly log: Logger,
    /** Older notes than this are a dead admission's, not one in progress. */
    private readonly graceMs = 10_000,
  ) {
    this.key = `${prefix}:unqueued`;
  }

  static member(tenant: string, id: string): string {
    return `${tenant}\t${id}`;
  }

  /** The jobs' entries are queued (or they were refused): strike them off. */
  async done(members: readonly string[]): Promise<void> {
    if (members.length) await this.redis.zrem(this.key, ...members);
  }

  start(everyMs = 10_000): void {
    const sweep = () => void this.sweep().catch((err: unknown) => this.log.warn({ err }, 'unqueued jobs sweep failed'));
    sweep();
    this.timer = setInterval(sweep, everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Queues the noted jobs a dead admission left; how many. */
  async sweep(now = Date.now()): Promise<number> {
    let total = 0;
    for (;;) {
      const members = await this.redis.zrangebyscore(this.key, '-inf', now - this.graceMs, 'LIMIT', 0, 500);
      if (members.length === 0) return total;
      const records = await this.store.getAcross(members.map((m) => ({ tenant: m.slice(0, m.indexOf('\t')), id: m.slice(m.indexOf('\t') + 1) })));
      const recs = [...records.values()].filter((r) => r.entry && (r.state === 'QUEUED' || (r.state === 'DEFERRED' && r.plan)));
      const item = (r: (typeof recs)[number]) => ({ queue: r.queue, bucket: r.bucket, spec: r.spec, entry: decodeEntry(r.entry) });
      await this.queues.enqueueMany(recs.filter((r) => r.state === 'QUEUED').map(item));
      await this.queues.deferMany(recs.filter((r) => r.state === 'DEFERRED').map((r) => ({ ...item(r), at: r.plan!.start })));
      await this.done(members);
      if (recs.length) this.log.warn({ jobs: recs.length }, 'queued jobs whose admission died between their record and their queue entry');
      total += recs.length;
    }
  }
}
