import type { FairUsage } from './fair-usage.js';

/**
 * Which tenant is furthest below its share, for dispatch: each tenant's decayed worker-seconds
 * (read from Redis at most every `refreshMs`, shared by the replicas) plus the predicted seconds
 * of the batches this replica has out for it, over its weight. Lowest first.
 */
export class FairShare {
  private usage = new Map<string, number>();
  private readAt = 0;
  private reading: Promise<void> | undefined;
  /** Predicted worker-seconds of the batches this replica has out, by tenant. */
  private readonly out = new Map<string, number>();

  constructor(
    private readonly source: FairUsage,
    private readonly weightOf: (tenant: string) => number,
    private readonly refreshMs = 250,
  ) {}

  /** Reads the shared usage again if it is older than refreshMs (one HGETALL; concurrent callers share it). */
  async refresh(now = Date.now()): Promise<void> {
    if (now - this.readAt < this.refreshMs) return;
    this.reading ??= this.source
      .read(now)
      .then((u) => {
        this.usage = u;
        this.readAt = Date.now();
      })
      .finally(() => (this.reading = undefined));
    await this.reading;
  }

  /** Lower is served first: (recent worker-seconds + work out) ÷ weight. */
  rank(tenant: string): number {
    return ((this.usage.get(tenant) ?? 0) + (this.out.get(tenant) ?? 0)) / this.weightOf(tenant);
  }

  /** A batch of this tenant went out, predicted to take `seconds`. */
  sent(tenant: string, seconds: number): void {
    this.out.set(tenant, (this.out.get(tenant) ?? 0) + seconds);
  }

  /** That batch settled: its predicted seconds leave the work out (its real ones arrive with the next read). */
  back(tenant: string, seconds: number): void {
    const left = (this.out.get(tenant) ?? 0) - seconds;
    if (left > 1e-12) this.out.set(tenant, left);
    else this.out.delete(tenant);
  }
}
