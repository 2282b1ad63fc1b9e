import { randomUUID } from 'node:crypto';
import type { FairUsage } from './fair-usage.js';
import type { FairTree } from './fair-tree.js';

type Seconds = ReadonlyMap<string, number>;

/**
 * Each tenant's use of the fleet as this replica sees it, and so which tenant is furthest below
 * its share: its decayed worker-seconds and the other replicas' work out (read from Redis at most
 * every `refreshMs`), plus the work this replica ran since that read, plus the predicted seconds
 * of the work it has out, over its weight (its group's first: see FairTree). Lowest first.
 *
 * Work that ran counts at once, not from the next read: otherwise the tenant whose batch just
 * settled would look cheaper by that batch, and win the slot the batch freed, again and again.
 */
export class FairShare {
  private usage = new Map<string, number>();
  /** Predicted worker-seconds of the other replicas' work out, by tenant, as last read. */
  private othersOut = new Map<string, number>();
  /** This replica, in Redis's list of work out. */
  private readonly replica = randomUUID();
  private readAt = 0;
  private reading: Promise<void> | undefined;
  /** Predicted worker-seconds of the work this replica has out, by tenant. */
  private readonly out = new Map<string, number>();
  /** Worker-seconds charged to Redis that no read has brought back yet, in the order sent. */
  private unread: Array<{ seq: number; seconds: Seconds }> = [];
  private seq = 0;

  constructor(
    private readonly source: FairUsage,
    private readonly tree: FairTree,
    private readonly onError: (err: unknown) => void,
    private readonly refreshMs = 250,
  ) {}

  /** Reads the shared usage again if it is older than refreshMs (one script: usage and the other replicas' work out; concurrent callers share it). */
  async refresh(now = Date.now()): Promise<void> {
    if (now - this.readAt < this.refreshMs) return;
    // The charges sent before this read are in what it reads (one connection keeps the order).
    const upTo = this.seq;
    this.reading ??= this.source
      .read(now, this.replica)
      .then((u) => {
        this.usage = u.usage;
        this.othersOut = u.othersOut;
        this.readAt = Date.now();
        this.unread = this.unread.filter((c) => c.seq > upTo);
      })
      .finally(() => (this.reading = undefined));
    await this.reading;
  }

  /** Lower is served first: (recent worker-seconds + work out, every replica's) ÷ weight, its group's first (FairTree). */
  rank(tenant: string): number {
    return this.tree.rank(tenant, (t) => this.seconds(t));
  }

  /** The most of a pool's slots the tenant's work may hold (fairShare.tenants[t].maxShare). */
  maxShare(tenant: string): number {
    return this.tree.maxShare(tenant);
  }

  /** A tenant's worker-seconds as this replica sees them: used (read, and ran here since) and out. */
  private seconds(tenant: string): number {
    let s = (this.usage.get(tenant) ?? 0) + (this.othersOut.get(tenant) ?? 0) + (this.out.get(tenant) ?? 0);
    for (const c of this.unread) s += c.seconds.get(tenant) ?? 0;
    return s;
  }

  /** Work went out, predicted to take these seconds by tenant (told to the other replicas too). */
  sent(predicted: Seconds): void {
    for (const [tenant, s] of predicted) this.out.set(tenant, (this.out.get(tenant) ?? 0) + s);
    void this.source.charge(new Map(), Date.now(), { replica: this.replica, change: predicted }).catch(this.onError);
  }

  /**
   * Work came back: its predicted seconds leave the work out, and the worker-seconds it used are
   * charged (to Redis, for every replica, in one round trip; here, at once).
   */
  ran(predicted: Seconds, used: Seconds): void {
    for (const [tenant, s] of predicted) {
      const left = (this.out.get(tenant) ?? 0) - s;
      if (left > 1e-12) this.out.set(tenant, left);
      else this.out.delete(tenant);
    }
    const back = new Map([...predicted].map(([tenant, s]) => [tenant, -s]));
    if ([...used.values()].some((s) => s > 0)) this.unread.push({ seq: ++this.seq, seconds: used });
    void this.source.charge(used, Date.now(), { replica: this.replica, change: back }).catch(this.onError);
  }
}
