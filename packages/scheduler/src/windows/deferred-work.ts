import type { Redis } from 'ioredis';
import type { JobRecord, JobStore } from '../jobs/index.js';
import { decodeEntry, encodeEntry, onDemandQueueOf, poolOf, type BatchJobData, type PendingEntry, type QueueSet } from '../queueing/index.js';

/** A job waiting for spot capacity: in a pending set, or in a formed batch nobody took (`unformed`). */
interface Waiting {
  queue: string;
  set: string;
  raw: string;
  entry: PendingEntry;
  unformed?: boolean;
}
import { canWaitForSpot, type SpotPolicy } from './spot-policy.js';
import { SlotBatch } from '../redis/index.js';
import type { DeferredLoad } from './deferred-load.js';
import type { WindowHandlers } from './window-events.js';
import type { WindowSpec } from '../calendar/index.js';

/**
 * The jobs admission deferred: released into their queues when their
 * window opens (records DEFERRED → QUEUED first), or taken out when
 * cancelled, their planned seconds given back to the window. And the work
 * waiting for spot capacity, which falls back to on-demand when no spot
 * window is open or its deadline can no longer wait.
 */
export class DeferredWork implements WindowHandlers {
  constructor(
    private readonly redis: Redis,
    private readonly queues: QueueSet,
    private readonly store: JobStore,
    readonly load: DeferredLoad,
    private readonly spot: { policy: SpotPolicy; open(now: number): boolean },
    /** Told after every tick (dispatch looks again: a spot window may have opened or closed). */
    private readonly ticked: () => void = () => undefined,
    /** Told of each job released into its queue (metrics). */
    private readonly released: (queue: string, tenant: string) => void = () => undefined,
  ) {}

  release(now: number): Promise<{ released: number; next: number | null }> {
    return this.queues.releaseDue(now, async (due) => {
      const moved = await this.store.transitionMany(due.map((d) => ({ tenant: d.entry.tenant, id: d.entry.id, from: ['DEFERRED'] as const, to: 'QUEUED' as const })));
      due.forEach((d, i) => moved[i]!.ok && this.released(d.queue, d.entry.tenant));
      // QUEUED already: a release that stopped halfway; anything else (cancelled, expired) stays out.
      return moved.map((r) => r.ok || (r.reason === 'state' && r.state === 'QUEUED'));
    });
  }

  async closed(_window: WindowSpec, now: number): Promise<void> {
    await this.load.sweep(now);
  }

  /**
   * Moves the jobs waiting in spot queues that cannot wait any longer to their on-demand queues: all
   * of them while no spot window is open, else those whose deadline is near. Returns how many.
   */
  async sweep(now: number): Promise<number> {
    this.ticked();
    const k = this.queues.keys;
    const spotQueues = (await this.redis.smembers(k.queues())).filter((q) => poolOf(q) === 'spot');
    const waiting: Waiting[] = [];
    for (const queue of spotQueues) {
      for (const set of Object.keys(await this.redis.hgetall(k.sets(queue)))) {
        for (const raw of await this.redis.zrange(k.pending(queue, set), 0, -1)) waiting.push({ queue, set, raw, entry: decodeEntry(raw) });
      }
    }
    const open = this.spot.open(now);
    // Batches formed for spot workers and not taken when the window closed: unformed, their jobs move like the rest.
    if (!open) for (const queue of spotQueues) waiting.push(...(await this.unform(queue)));
    if (waiting.length === 0) return 0;
    let leaving = waiting;
    if (open) {
      const records = await this.store.getAcross(waiting.map((w) => w.entry));
      leaving = waiting.filter((w) => {
        const r = records.get(w.entry.id);
        return r !== undefined && !canWaitForSpot({ preemptions: r.preemptions, deadline: r.deadline, seconds: r.quote?.seconds ?? 0 }, now, this.spot.policy);
      });
    }
    // Taken out first, one by one: only what this sweep removed moves (a dispatcher may have formed a batch of the rest).
    const batch = new SlotBatch(this.redis);
    for (const w of leaving) {
      const key = k.pending(w.queue, w.set);
      batch.add(key, (p) => p.zrem(key, w.raw));
    }
    const removed = (await batch.exec()).map(([, n], i) => n === 1 || leaving[i]!.unformed === true);
    const moving = leaving.filter((_, i) => removed[i]);
    if (moving.length === 0) return 0;
    const sets = await Promise.all(moving.map((w) => this.redis.hget(k.sets(w.queue), w.set)));
    await this.queues.enqueueMany(moving.map((w, i) => ({ queue: onDemandQueueOf(w.queue), ...(JSON.parse(sets[i]!) as { bucket: string; spec: JobRecord['spec'] }), entry: w.entry })));
    const why = open ? 'its deadline cannot wait for spot capacity' : 'no spot window is open';
    await this.store.transitionMany(
      moving.map((w) => ({
        tenant: w.entry.tenant, id: w.entry.id, from: ['QUEUED'] as const, to: 'QUEUED' as const, ifAttempts: w.entry.attempts,
        fields: { queue: onDemandQueueOf(w.queue), entry: encodeEntry(w.entry), placement: `fell back to on-demand: ${why}` },
      })),
    );
    return moving.length;
  }

  /** The entries of the batches waiting in a spot queue's BullMQ queue, each batch removed (unless a dispatcher holds it). */
  private async unform(queue: string): Promise<Waiting[]> {
    const bull = this.queues.get(queue);
    const out: Waiting[] = [];
    for (const batch of await bull.getWaiting()) {
      if (!batch.id || (await bull.remove(batch.id)) !== 1) continue;
      const data = batch.data as BatchJobData;
      for (const raw of data.entries) {
        const entry = decodeEntry(raw);
        out.push({ queue, set: this.queues.setOf(data.bucket, data.spec, entry.tenant), raw, entry, unformed: true });
      }
    }
    return out;
  }

  /** After a DEFERRED job's record was cancelled: out of the deferred set, its room back. */
  async cancelled(before: JobRecord): Promise<void> {
    const taken = await this.queues.undefer({ queue: before.queue, bucket: before.bucket, spec: before.spec, entry: decodeEntry(before.entry) });
    const q = before.quote;
    if (taken && q) await this.load.persist([{ window: q.window, opensAt: q.opensAt, closesAt: q.closesAt, seconds: -q.seconds }]);
  }
}
