import type { Logger } from '@nightshift/proto';

export type AlertKind = 'budget' | 'model_error';

/**
 * Alerts: each is logged as one structured warning, counted, and POSTed as
 * JSON to the configured webhook, retried with backoff in the background so
 * that admission never waits on it. Deciding that an alert is due (once per
 * period, across replicas) is the caller's job.
 */
export class Alerts {
  private readonly counts = new Map<AlertKind, number>();
  private readonly sending = new Set<Promise<void>>();

  constructor(
    private readonly log: Logger,
    private readonly webhookUrl?: string,
    private readonly retryMs = 1000,
  ) {}

  emit(kind: AlertKind, message: string, fields: Record<string, unknown>): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    this.log.warn({ alert: kind, ...fields }, message);
    if (!this.webhookUrl) return;
    const body = JSON.stringify({ alert: kind, message, at: new Date().toISOString(), ...fields });
    const p = this.post(body).finally(() => this.sending.delete(p));
    this.sending.add(p);
  }

  /** Alerts emitted by this process, by kind. */
  count(kind: AlertKind): number {
    return this.counts.get(kind) ?? 0;
  }

  /** Waits for webhook deliveries still in progress (on shutdown, and in tests). */
  async flush(): Promise<void> {
    await Promise.all([...this.sending]);
  }

  private async post(body: string): Promise<void> {
    for (let attempt = 1; attempt <= 4; attempt++) {
      try {
        const res = await fetch(this.webhookUrl!, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(5000) });
        if (res.ok) return;
        if (res.status < 500 && res.status !== 429) throw new Error(`HTTP ${res.status} (not retried)`);
        if (attempt === 4) throw new Error(`HTTP ${res.status}`);
      } catch (err) {
        if (attempt === 4 || /not retried/.test((err as Error).message)) {
          this.log.warn({ err: (err as Error).message, url: this.webhookUrl }, 'alert webhook failed');
          return;
        }
      }
      await new Promise((r) => setTimeout(r, this.retryMs * 2 ** (attempt - 1)));
    }
  }
}
