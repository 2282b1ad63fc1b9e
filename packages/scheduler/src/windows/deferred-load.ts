import type { Redis } from 'ioredis';
import type { Capacity } from './deferral.js';

/**
 * The work planned in each window opening: predicted worker-seconds, in a
 * HASH whose fields are "window@opensAt@closesAt", so that deferral
 * leaves room for what it planned before, on every replica. Admission
 * reads it once per call and plans from that copy; two replicas planning
 * at the same instant may both count the same room (a small overbooking
 * that the deadline margin absorbs).
 */
export class DeferredLoad implements Capacity {
  private planned = new Map<string, number>();

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    /** Workers that serve a window in parallel. */
    readonly workers: (window: string) => number,
  ) {}

  async refresh(): Promise<void> {
    const all = await this.redis.hgetall(this.key);
    this.planned = new Map(Object.entries(all).map(([f, v]) => [f.slice(0, f.lastIndexOf('@')), Number(v)]));
  }

  load(window: string, opensAt: number): number {
    return this.planned.get(`${window}@${opensAt}`) ?? 0;
  }

  /** Counts seconds planned in an opening here, for the placements that follow in the same admission. */
  reserve(window: string, opensAt: number, seconds: number): void {
    const k = `${window}@${opensAt}`;
    this.planned.set(k, (this.planned.get(k) ?? 0) + seconds);
  }

  /** Adds (or, negative, takes back) planned seconds in Redis, where every replica reads them. */
  async persist(items: ReadonlyArray<{ window: string; opensAt: number; closesAt: number; seconds: number }>): Promise<void> {
    if (items.length === 0) return;
    const pipe = this.redis.pipeline();
    for (const { window, opensAt, closesAt, seconds } of items) pipe.hincrbyfloat(this.key, `${window}@${opensAt}@${closesAt}`, seconds);
    for (const [err] of (await pipe.exec()) ?? []) if (err) throw err;
  }

  /** Every opening with work planned, read now (for metrics and the dashboard). */
  async openings(): Promise<Array<{ window: string; opensAt: number; closesAt: number; seconds: number }>> {
    return Object.entries(await this.redis.hgetall(this.key)).map(([f, v]) => {
      const [window = '', opensAt, closesAt] = f.split('@');
      return { window, opensAt: Number(opensAt), closesAt: Number(closesAt), seconds: Number(v) };
    });
  }

  /** Forgets openings that have closed. */
  async sweep(now: number): Promise<void> {
    const over = (await this.redis.hkeys(this.key)).filter((f) => Number(f.slice(f.lastIndexOf('@') + 1)) < now);
    if (over.length) await this.redis.hdel(this.key, ...over);
  }
}
