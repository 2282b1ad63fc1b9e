import type { Logger } from '@nightshift/proto';
import { throttled } from '@nightshift/proto';
import type { Clock } from '../clock/index.js';
import type { BatchAdmission } from './batch-admission.js';
import { awaitsTrueUp, FINAL_BATCH_STATES, type BatchStore } from './batch-record.js';
import type { UnitQueue } from './unit-queue.js';

/**
 * Keeps every active batch moving, on every replica: admits batches whose admission stopped (a
 * scheduler killed while admitting), releases deferred batches whose turn came, tops up units of
 * running batches, and now and then queues again units a dead replica released but never queued.
 * It also ends what would otherwise stay for ever: an upload nobody has added to for
 * `uploadIdleMs` is cancelled, and a final batch is removed once its retention is over.
 * Each step is safe on several replicas at once.
 */
export class BatchSweeper {
  private timer: NodeJS.Timeout | undefined;
  private sweeps = 0;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: BatchStore,
    private readonly admission: BatchAdmission,
    private readonly units: UnitQueue,
    private readonly clock: Clock,
    private readonly everyMs: number,
    private readonly limits: { uploadIdleMs: number; retentionMs: number },
    private readonly log: Logger,
    /** Releases what a batch still holds reserved, once it is cancelled here. */
    private readonly release: (tenant: string, id: string) => Promise<unknown>,
    /** Whether a spot window is open now: a spot batch's units fall back to on-demand workers when none is. */
    private readonly spotOpen: () => boolean = () => false,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .catch((err: unknown) => throttled(this.log, 'warn', 'batch sweep failed', { err }))
        .finally(() => (this.running = undefined));
    }, this.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async sweep(): Promise<void> {
    const deep = this.sweeps++ % 20 === 0;
    const now = this.clock.now();
    for (const id of await this.store.active()) {
      const b = await this.store.get(id);
      if (!b || FINAL_BATCH_STATES.has(b.state)) {
        // Ended by a replica that died before it retired it.
        await this.store.retire(id, b?.finishedAt || Date.now());
        continue;
      }
      if (b.open && Date.now() - b.touchedAt > this.limits.uploadIdleMs) {
        // Admitted at its header or not: an upload nobody finishes holds its reservation, and its batch never ends.
        const why = `upload abandoned: no items stored for ${Math.round(this.limits.uploadIdleMs / 1000)} s`;
        if (await this.store.move(id, ['UPLOADING', 'QUEUED', 'DEFERRED', 'RUNNING'], 'CANCELLED', { error: why, finishedAt: Date.now() })) {
          await this.release(b.tenant, id);
          await this.units.remove(b);
          this.log.info({ batchId: id, tenant: b.tenant, items: b.items }, 'abandoned upload cancelled');
        }
        continue;
      }
      // Closed, but not trued up (a scheduler that died between the two).
      if (awaitsTrueUp(b)) await this.admission.trueUp(id).catch((err: unknown) => this.log.warn({ err, batchId: id }, 'batch not trued up in the sweep'));
      if (b.state === 'VALIDATING') {
        await this.admission.admit(id).catch((err: unknown) => this.log.debug({ err, batchId: id }, 'batch not admitted in the sweep'));
      } else if (b.state === 'DEFERRED' && b.plannedStart <= now) {
        if (await this.store.move(id, ['DEFERRED'], 'QUEUED')) this.log.info({ batchId: id, window: b.plannedWindow }, 'deferred batch released');
        await this.units.release(b);
      } else if (b.state === 'QUEUED' || b.state === 'RUNNING') {
        if (b.pool === 'spot' && !this.spotOpen()) {
          // Its spot window closed with units left: the rest run on demand, so that its deadline holds.
          await this.store.redis.hset(this.store.keys.meta(id), 'pool', 'on-demand', 'placement', `${b.placement}; fell back to on-demand: its spot window closed`);
          const moved = await this.units.fallBack(b);
          this.log.info({ batchId: id, moved }, 'spot batch fell back to on-demand');
          b.pool = 'on-demand';
        } else if (deep && b.pool === 'on-demand' && !this.spotOpen()) {
          // A unit released to the spot queue by a replica that read the pool just before it changed.
          await this.units.fallBack(b);
        }
        await this.units.release(b);
        if (deep) await this.units.requeue(b);
      }
    }
    if (deep) for (const id of await this.store.retiredBefore(Date.now() - this.limits.retentionMs, 100)) await this.store.purge(id);
  }
}
