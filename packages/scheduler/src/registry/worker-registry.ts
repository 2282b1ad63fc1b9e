import type { Redis } from 'ioredis';
import type { WorkerEntry } from '../config/scheduler-config.js';

/** A registered worker as the registry keeps it: what it offers, and whether it is draining. */
export interface RegisteredWorker extends WorkerEntry {
  ops: string[];
  backend: string;
  /** It asked to leave: no new batches; its lease lapses once it stops heartbeating. */
  draining: boolean;
}

/**
 * The fleet of self-registered workers, in Redis so that every scheduler
 * replica sees the same one: a hash of what each worker offers and a
 * sorted set of lease expiries. A worker whose lease lapses is dropped
 * (its next heartbeat learns so, and it registers again).
 */
export class WorkerRegistry {
  private readonly infoKey: string;
  private readonly leasesKey: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    readonly leaseSeconds: number,
  ) {
    // One hash tag: the two keys change together (MULTI), in one Redis Cluster slot.
    this.infoKey = `${prefix}:{registry}`;
    this.leasesKey = `${prefix}:{registry}:leases`;
  }

  async register(w: Omit<RegisteredWorker, 'draining'>, now: number): Promise<void> {
    const r = await this.redis
      .multi()
      .hset(this.infoKey, w.id, JSON.stringify({ ...w, draining: false }))
      .zadd(this.leasesKey, now + this.leaseSeconds * 1000, w.id)
      .exec();
    for (const [err] of r ?? []) if (err) throw err;
  }

  /** Extends the lease; false when the worker is not registered (dropped, or never was). */
  async heartbeat(id: string, now: number): Promise<boolean> {
    // XX: only an existing lease is extended; CH: count it as changed, so 1 means it existed.
    return (await this.redis.zadd(this.leasesKey, 'XX', 'CH', now + this.leaseSeconds * 1000, id)) === 1;
  }

  /** Marks the worker draining; false when it is not registered. */
  async drain(id: string): Promise<boolean> {
    const json = await this.redis.hget(this.infoKey, id);
    if (!json) return false;
    await this.redis.hset(this.infoKey, id, JSON.stringify({ ...(JSON.parse(json) as RegisteredWorker), draining: true }));
    return true;
  }

  /** The workers whose lease holds at `now`; those whose lease lapsed are dropped first, and named. */
  async live(now: number): Promise<{ workers: RegisteredWorker[]; dropped: string[] }> {
    const lapsed = await this.redis.zrangebyscore(this.leasesKey, '-inf', now);
    const dropped: string[] = [];
    if (lapsed.length) {
      // One ZREM per worker: only the replica whose ZREM removed it reports it dropped.
      const pipe = this.redis.pipeline();
      for (const id of lapsed) pipe.zrem(this.leasesKey, id);
      const removed = ((await pipe.exec()) ?? []).map(([, n]) => n === 1);
      const gone = lapsed.filter((_, i) => removed[i]);
      if (gone.length) await this.redis.hdel(this.infoKey, ...gone);
      dropped.push(...gone);
    }
    const all = await this.redis.hgetall(this.infoKey);
    return { workers: Object.values(all).map((j) => JSON.parse(j) as RegisteredWorker), dropped };
  }
}
