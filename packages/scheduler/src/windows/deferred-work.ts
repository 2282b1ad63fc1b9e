import type { JobRecord, JobStore } from '../jobs/index.js';
import { decodeEntry, type QueueSet } from '../queueing/index.js';
import type { DeferredLoad } from './deferred-load.js';
import type { WindowHandlers } from './window-events.js';
import type { WindowSpec } from './calendar.js';

/**
 * The jobs admission deferred: released into their queues when their
 * window opens (records DEFERRED → QUEUED first), or taken out when
 * cancelled, their planned seconds given back to the window.
 */
export class DeferredWork implements WindowHandlers {
  constructor(
    private readonly queues: QueueSet,
    private readonly store: JobStore,
    readonly load: DeferredLoad,
  ) {}

  release(now: number): Promise<{ released: number; next: number | null }> {
    return this.queues.releaseDue(now, async (due) => {
      const moved = await this.store.transitionMany(due.map((d) => ({ tenant: d.entry.tenant, id: d.entry.id, from: ['DEFERRED'] as const, to: 'QUEUED' as const })));
      // QUEUED already: a release that stopped halfway; anything else (cancelled, expired) stays out.
      return moved.map((r) => r.ok || (r.reason === 'state' && r.state === 'QUEUED'));
    });
  }

  async closed(_window: WindowSpec, now: number): Promise<void> {
    await this.load.sweep(now);
  }

  /** After a DEFERRED job's record was cancelled: out of the deferred set, its room back. */
  async cancelled(before: JobRecord): Promise<void> {
    const taken = await this.queues.undefer({ queue: before.queue, bucket: before.bucket, spec: before.spec, entry: decodeEntry(before.entry) });
    const q = before.quote;
    if (taken && q) await this.load.persist([{ window: q.window, opensAt: q.opensAt, closesAt: q.closesAt, seconds: -q.seconds }]);
  }
}
